import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadConfig, settingNames } from '../../../shared/config';
import { queueNames, tableNames } from '../../../shared/resourceNames';
import { declarationBody, isoDurationMs, objectEntries, readBicep, repoRoot, timeSpanMs, variableString, variableStringArray } from './bicepSource';

/** Queue and table names, and the queue's behaviour, agree between the code, host.json and the Bicep. */
const main = readBicep('main.bicep');
const serviceBus = readBicep('modules/serviceBus.bicep');
const storage = readBicep('modules/storage.bicep');
const hostJson = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as {
  functionTimeout: string;
  extensions: { serviceBus: { maxAutoLockRenewalDuration: string } };
};

describe('resource names shared by shared/resourceNames.ts and infra/', () => {
  it('deploys the notifications queue under the name the code uses', () => {
    expect(variableString(main, 'notificationsQueueName')).toBe(queueNames.notifications);
    expect(main.text).toMatch(/queueName: notificationsQueueName/);
  });

  it('deploys exactly the tables the code uses', () => {
    const deployed = variableStringArray(main, 'gatewayTableNames');
    expect(new Set(deployed).size).toBe(deployed.length);
    expect([...deployed].sort()).toEqual(Object.values(tableNames).sort());
    expect(main.text).toMatch(/tableNames: gatewayTableNames/);
    // Each deployed table is created from that list.
    expect(storage.text).toMatch(/for tableName in tableNames:/);
  });

  it('uses table names Azure Table Storage accepts', () => {
    for (const name of Object.values(tableNames)) expect(name).toMatch(/^[A-Za-z][A-Za-z0-9]{2,62}$/);
  });
});

describe('the notifications queue matches how the code uses it', () => {
  const queue = objectEntries(serviceBus, declarationBody(serviceBus, /resource queue 'queues' = \{\s*name: queueName\s*properties: /));
  const settings = objectEntries(main, declarationBody(main, /param notificationsQueueSettings queueSettingsType = /));
  const setting = (key: string): string => {
    const value = settings.get(key);
    if (value === undefined) throw new Error(`notificationsQueueSettings has no ${key}`);
    return value.replace(/^'(.*)'$/, '$1');
  };
  const requestTimeoutMs = loadConfig({
    [settingNames.appId]: '00000000-0000-0000-0000-000000000001',
    [settingNames.appType]: 'UserAssignedMSI',
    [settingNames.appTenantId]: '00000000-0000-0000-0000-000000000002',
    [settingNames.tablesServiceUri]: 'https://example.table.core.windows.net/',
  }).delivery.requestTimeoutInMs;

  it('keeps sessions, duplicate detection and dead-lettering on expiry on', () => {
    expect(queue.get('requiresSession')).toBe('true');
    expect(queue.get('requiresDuplicateDetection')).toBe('true');
    expect(queue.get('deadLetteringOnMessageExpiration')).toBe('true');
    for (const key of ['lockDuration', 'maxDeliveryCount', 'defaultMessageTimeToLive', 'duplicateDetectionHistoryTimeWindow']) {
      expect(queue.get(key)).toBe(`queueSettings.${key}`);
    }
  });

  it('locks a message longer than one send can take, within what Service Bus and host.json allow', () => {
    const lockMs = isoDurationMs(setting('lockDuration'));
    // A send may make two Connector requests (a 401 is retried once with a fresh token) plus token and table calls.
    expect(lockMs).toBeGreaterThan(2 * requestTimeoutMs);
    expect(lockMs).toBeLessThanOrEqual(5 * 60_000);
    expect(lockMs).toBeLessThanOrEqual(timeSpanMs(hostJson.extensions.serviceBus.maxAutoLockRenewalDuration));
    expect(lockMs).toBeLessThanOrEqual(timeSpanMs(hostJson.functionTimeout));
  });

  it('leaves redelivery to crashes only (the gateway reschedules its own retries)', () => {
    const maxDeliveryCount = Number(setting('maxDeliveryCount'));
    expect(maxDeliveryCount).toBeGreaterThanOrEqual(2);
    expect(maxDeliveryCount).toBeLessThanOrEqual(10);
  });

  it('keeps the duplicate detection window and time to live within Service Bus limits', () => {
    const windowMs = isoDurationMs(setting('duplicateDetectionHistoryTimeWindow'));
    expect(windowMs).toBeGreaterThanOrEqual(20_000);
    expect(windowMs).toBeLessThanOrEqual(7 * 24 * 3_600_000);
    expect(isoDurationMs(setting('defaultMessageTimeToLive'))).toBeGreaterThan(windowMs);
  });
});
