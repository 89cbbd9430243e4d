import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from './bicepSource';

/**
 * azure.yaml, .funcignore and scripts/buildDeployPackage.mjs agree on how the app is packaged: azd deploys the
 * staged folder as-is (no remote build), so the script's default stage is azd's `dist`, and .funcignore must not
 * exclude node_modules (azd refuses `remoteBuild: false` when it does).
 */
const azureYaml = readFileSync(join(repoRoot, 'azure.yaml'), 'utf8');
const funcignore = readFileSync(join(repoRoot, '.funcignore'), 'utf8');
const script = readFileSync(join(repoRoot, 'scripts', 'buildDeployPackage.mjs'), 'utf8');
const ciRun = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');

/** The value of `key:` in the api service block (two levels of indentation, as azure.yaml writes it). */
function apiSetting(key: string): string | undefined {
  const api = /^ {2}api:\n((?: {4}.*\n|\s*\n)+)/m.exec(azureYaml)?.[1] ?? '';
  return new RegExp(`^ {4}${key}: *(.+)$`, 'm').exec(api)?.[1]?.trim();
}

describe('the deployment package', () => {
  it('is built locally and deployed as-is from the folder the script stages', () => {
    expect(apiSetting('host')).toBe('function');
    expect(apiSetting('remoteBuild')).toBe('false');
    const stage = /stage: join\(root, '([^']+)', '([^']+)'\)/.exec(script);
    expect(stage).not.toBeNull();
    expect(apiSetting('dist')).toBe(`${stage![1]}/${stage![2]}`);
  });

  it('is staged by the prepackage hook on every platform', () => {
    const runs = [...azureYaml.matchAll(/^ {10}run: (.+)$/gm)].map((m) => m[1]!.trim());
    expect(runs).toEqual(['node scripts/buildDeployPackage.mjs', 'node scripts/buildDeployPackage.mjs']);
    expect(azureYaml).toMatch(/^ {6}prepackage:\n {8}posix:\n[\s\S]*^ {8}windows:/m);
  });

  it('asks for an azd that honours remoteBuild', () => {
    expect(azureYaml).toMatch(/^requiredVersions:\n {2}azd: ">= 1\.23\.12"$/m);
  });

  it('leaves node_modules out of .funcignore, which azd reads to choose remote build', () => {
    const patterns = funcignore.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    expect(patterns.filter((p) => /^\/?node_modules\/?(\*\*)?$/.test(p))).toEqual([]);
    expect(patterns).toEqual(expect.arrayContaining(['.deploy', 'dist/test/', 'dist/dev/']));
  });

  it('is checked in CI after npm test, from the dist/ it compiled', () => {
    const steps = ciRun.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('set ') && !l.startsWith('cd '));
    expect(steps).toEqual(['npm ci --no-audit --no-fund', 'bash .ci/bicepCheck.sh', 'npm test', 'bash .ci/deployPackageCheck.sh']);
  });
});
