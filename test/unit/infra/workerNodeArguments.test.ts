import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { localHostCommand, workerMaxOldSpaceMB, workerNodeArguments } from '../../../dev/workerNodeArguments';
import { readBicep, repoRoot, variableObject } from './bicepSource';

/** The worker's Node arguments are the same in Azure, in `npm start` (what the bench measures) and in the README. */
const hostSettings = variableObject(readBicep('modules/functionApp.bicep'), 'hostSettings');
const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

describe('the Node worker arguments', () => {
  it('cap the heap, well above the live heap the gateway needs', () => {
    expect(workerNodeArguments).toEqual([`--max-old-space-size=${workerMaxOldSpaceMB}`]);
    expect(workerMaxOldSpaceMB).toBeGreaterThanOrEqual(256);
  });

  it('are what functionApp.bicep gives the worker in Azure', () => {
    expect(hostSettings.get('languageWorkers__node__arguments')).toBe(`'${workerNodeArguments.join(' ')}'`);
  });

  it('are what `npm start` runs the local host with', () => {
    expect(packageJson.scripts.start).toBe(`exec node ${localHostCommand.join(' ')}`);
    expect(localHostCommand.slice(2, -1)).toEqual(workerNodeArguments);
  });

  it('are in the README, for `func start` and for operators tuning them', () => {
    expect(readme).toContain(`"languageWorkers__node__arguments": "${workerNodeArguments.join(' ')}"`);
    expect(readme).toContain(`\`--max-old-space-size=${workerMaxOldSpaceMB}\``);
  });
});
