import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../../..');

/** Packages the deployed entry must not load at start-up: they load on the first call that needs them. */
const loadedOnFirstUse = ['botframework-connector', '@azure/identity', '@azure/msal-node', '@azure/service-bus', 'botbuilder', '@azure/functions-extensions-servicebus', 'rhea', '@grpc/grpc-js'];

/** The packages (node_modules/<name>) a fresh Node process holds after requiring `module`. */
async function packagesLoadedBy(module: string): Promise<string[]> {
  const script = `require(${JSON.stringify(module)});
const names = new Set(Object.keys(require.cache).map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file)?.[1]).filter(Boolean));
process.stdout.write(JSON.stringify([...names]));
process.exit(0);`;
  const { stdout } = await execFileAsync(process.execPath, ['-e', script], { cwd: repoRoot, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as string[];
}

describe('the deployed entry (dist/functions/index.js)', () => {
  it('registers every function without loading the Bot Connector, identity or Service Bus SDKs, or the Service Bus binding', async () => {
    const loaded = await packagesLoadedBy(path.join(repoRoot, 'dist/functions/index.js'));
    expect(loaded).toEqual(expect.arrayContaining(['@azure/functions', '@azure/functions-extensions-base', '@azure/data-tables']));
    expect(loaded.filter((name) => loadedOnFirstUse.includes(name))).toEqual([]);
  });
});
