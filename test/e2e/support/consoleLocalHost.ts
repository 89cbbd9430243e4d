import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { findFreePort } from '../../../dev/freePort';
import { localHostCommand } from '../../../dev/workerNodeArguments';
import { settingNames } from '../../../shared/config';

const projectRoot = path.resolve(__dirname, '../../..');
/** A failure guard for start-up (Azurite, emulator, first install), not a timing assertion. */
const readyWithinInMs = 60_000;
const stopWithinInMs = 15_000;

export interface ConsoleLocalHost {
  /** `http://127.0.0.1:PORT`: the gateway's API under /api and the console at /. */
  url: string;
  emulatorUrl: string;
  /** Everything the child printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the local host as a child process, as `npm start` does, on free ports and with embedded defaults only
 * (any real setting in this environment is left out), and waits until `/api/health` answers 200.
 * `settings`: gateway settings the run starts with (every other setting is cleared, so the embedded defaults apply).
 */
export async function startConsoleLocalHost(settings: Record<string, string> = {}): Promise<ConsoleLocalHost> {
  if (!existsSync(path.join(projectRoot, 'dist/dev/localHost.js'))) {
    throw new Error('dist/dev/localHost.js is missing: run `npm run build` first (npm test does)');
  }
  const [port, emulatorPort] = [await findFreePort(), await findFreePort()];
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), TEAMS_EMULATOR_PORT: String(emulatorPort) };
  for (const name of Object.values(settingNames)) delete env[name];
  Object.assign(env, settings);
  delete env.NODE_EXTRA_CA_CERTS;

  const child = spawn(process.execPath, localHostCommand, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = `http://127.0.0.1:${port}`;
  const host: ConsoleLocalHost = { url, emulatorUrl: `https://127.0.0.1:${emulatorPort}`, output: () => output, stop: async () => stopChild(child, exited) };
  try {
    await waitForHealth(url, exited, () => output);
  } catch (error) {
    await host.stop();
    throw error;
  }
  return host;
}

async function waitForHealth(url: string, exited: Promise<number | null>, output: () => string): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  const deadline = Date.now() + readyWithinInMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the local host exited (${exitCode}) before it was ready:\n${output()}`);
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200 && output().includes('Ready.')) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the local host was not ready within ${readyWithinInMs / 1000} s:\n${output()}`);
}

/** Ctrl-C as a user would (withEmulatorCa passes it on; the host stops Azurite), then a kill if it hangs. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), stopWithinInMs).unref())]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}
