import { notificationsQueueSettings } from '../../../shared/queue/notificationsQueueSettings';
import { declarationBody, isoDurationMs, objectEntries, readBicep } from '../infra/bicepSource';

/** The local host's in-process queue is built from notificationsQueueSettings; Azure's queue from the Bicep. */
describe('notificationsQueueSettings', () => {
  const main = readBicep('main.bicep');
  const deployed = objectEntries(main, declarationBody(main, /\bparam\s+notificationsQueueSettings\s+queueSettingsType\s*=\s*/));
  const setting = (key: string): string => {
    const value = deployed.get(key);
    if (value === undefined) throw new Error(`main.bicep notificationsQueueSettings has no ${key}`);
    return value.replace(/^'(.*)'$/, '$1');
  };
  const serviceBus = readBicep('modules/serviceBus.bicep');
  const queue = objectEntries(serviceBus, declarationBody(serviceBus, /resource\s+queue\s+'queues'\s*=\s*\{[\s\S]*?properties:\s*/));

  it('matches the deployed lock duration, max delivery count, time to live and duplicate window', () => {
    expect(notificationsQueueSettings.lockDurationInMs).toBe(isoDurationMs(setting('lockDuration')));
    expect(notificationsQueueSettings.maxDeliveryCount).toBe(Number(setting('maxDeliveryCount')));
    expect(notificationsQueueSettings.defaultMessageTimeToLiveInMs).toBe(isoDurationMs(setting('defaultMessageTimeToLive')));
    expect(notificationsQueueSettings.duplicateDetectionWindowInMs).toBe(isoDurationMs(setting('duplicateDetectionHistoryTimeWindow')));
  });

  it('matches the queue properties fixed in the module: sessions and dead-lettering on expiry', () => {
    expect(String(notificationsQueueSettings.requiresSession)).toBe(queue.get('requiresSession'));
    expect(String(notificationsQueueSettings.deadLetteringOnMessageExpiration)).toBe(queue.get('deadLetteringOnMessageExpiration'));
    expect(queue.get('requiresDuplicateDetection')).toBe('true');
  });
});
