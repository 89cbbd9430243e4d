import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { timeSpanInMs } from '../../../dev/localFunctionHost/hostJsonSettings';
import { defaultHoldHorizonInMs } from '../../../shared/delivery/rateSharePacer';
import { teamsPerConversationLimits } from '../../../shared/delivery/sendPacer';
import { paramDefault, readBicep, repoRoot } from './bicepSource';

/** Scale-out settings agree across the Bicep, azd's parameters, host.json and what the README tells operators. */
const main = readBicep('main.bicep');
const functionApp = readBicep('modules/functionApp.bicep');
const rbac = readBicep('modules/rbac.bicep');
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const parameters = readFileSync(join(repoRoot, 'infra', 'main.parameters.json'), 'utf8');
const hostJson = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as {
  extensions: { serviceBus: { maxConcurrentSessions: number; maxConcurrentCallsPerSession: number; sessionIdleTimeout: string } };
};

describe('scale-out', () => {
  const maximum = paramDefault(main, 'maximumInstanceCount');

  it('lets the instance cap go down to 1, with one default everywhere', () => {
    for (const file of [main, functionApp]) expect(file.text).toMatch(/@minValue\(1\)\n@maxValue\(1000\)\n@description\([^\n]+\)\nparam maximumInstanceCount int = /);
    expect(paramDefault(functionApp, 'maximumInstanceCount')).toBe(maximum);
    expect(parameters).toContain(`"\${MAXIMUM_INSTANCE_COUNT=${maximum}}"`);
  });

  it('documents the defaults it deploys', () => {
    expect(readme).toContain(`default **${maximum}**`);
    expect(readme).toContain(`up to ${hostJson.extensions.serviceBus.maxConcurrentSessions} conversations at once`);
    // One message per session at a time keeps a conversation's sends, updates and deletes in order.
    expect(hostJson.extensions.serviceBus.maxConcurrentCallsPerSession).toBe(1);
  });

  it('holds a session slot long enough for a conversation to keep its instance, and no more slots than Service Bus serves', () => {
    const { maxConcurrentSessions, sessionIdleTimeout } = hostJson.extensions.serviceBus;
    const idleInMs = timeSpanInMs(sessionIdleTimeout);
    // A session moves only once Teams' 1 s and 2 s windows of its conversation are past, and a copy put back
    // for its slot comes back before its session's slot lets go.
    const shortWindows = teamsPerConversationLimits.filter((window) => window.windowInMs <= 2_000).map((window) => window.windowInMs);
    expect(idleInMs).toBeGreaterThanOrEqual(Math.max(...shortWindows));
    expect(idleInMs).toBeGreaterThanOrEqual(defaultHoldHorizonInMs);
    // Each slot is one concurrent receive request; Service Bus allows 5,000 per queue.
    expect(maxConcurrentSessions * Number(maximum)).toBeLessThanOrEqual(5_000);
    expect(readme).toContain(`${maxConcurrentSessions} / (${idleInMs / 1000} s + a send's own time)`);
  });

  it('gives the app Data Owner on the queue by default, so the scaler can read its length', () => {
    expect(paramDefault(main, 'grantQueueOwnerForScaling')).toBe('true');
    expect(paramDefault(rbac, 'grantQueueOwnerForScaling')).toBe('true');
    expect(main.text).toMatch(/^ {4}grantQueueOwnerForScaling: grantQueueOwnerForScaling$/m);
    expect(rbac.text).toMatch(/resource appQueueOwner '[^']+' = if \(grantQueueOwnerForScaling\) \{\n {2}name: guid\(namespace::queue\.id, principalId, serviceBusDataOwner\)/);
  });
});
