import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { paramDefault, readBicep, repoRoot } from './bicepSource';

/** Scale-out settings agree across the Bicep, azd's parameters, host.json and what the README tells operators. */
const main = readBicep('main.bicep');
const functionApp = readBicep('modules/functionApp.bicep');
const rbac = readBicep('modules/rbac.bicep');
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const parameters = readFileSync(join(repoRoot, 'infra', 'main.parameters.json'), 'utf8');
const hostJson = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as {
  extensions: { serviceBus: { maxConcurrentSessions: number; maxConcurrentCallsPerSession: number } };
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

  it('gives the app Data Owner on the queue by default, so the scaler can read its length', () => {
    expect(paramDefault(main, 'grantQueueOwnerForScaling')).toBe('true');
    expect(paramDefault(rbac, 'grantQueueOwnerForScaling')).toBe('true');
    expect(main.text).toMatch(/^ {4}grantQueueOwnerForScaling: grantQueueOwnerForScaling$/m);
    expect(rbac.text).toMatch(/resource appQueueOwner '[^']+' = if \(grantQueueOwnerForScaling\) \{\n {2}name: guid\(namespace::queue\.id, principalId, serviceBusDataOwner\)/);
  });
});
