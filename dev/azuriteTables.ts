import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { azuriteParentWatchProgram } from './azuriteParentWatch';
import { findFreePort } from './freePort';

/** Azurite's well-known development account (public, documented; not a secret). */
const devAccountName = 'devstoreaccount1';
const devAccountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteTablesOptions {
  /** Keep data on disk in this folder; in memory when absent. */
  persistDir?: string;
  port?: number;
}

export interface AzuriteTables {
  connectionString: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

export function azuriteConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${devAccountName};AccountKey=${devAccountKey};TableEndpoint=http://127.0.0.1:${port}/${devAccountName};`;
}

/** How long a stop waits for Azurite to save its data and exit before killing it. */
const saveAndExitTimeoutInMs = 10_000;

/**
 * Starts Azurite's Table service from node_modules as a child process (its CPU stays out of the gateway's
 * figures) and resolves once it listens. The child saves and exits on stop() and whenever this process ends,
 * even by `kill -9` (azuriteParentWatch.ts), so a persisted folder keeps every write Azurite answered.
 */
export async function startAzuriteTables(options: AzuriteTablesOptions = {}): Promise<AzuriteTables> {
  const port = options.port ?? (await findFreePort());
  const main = require.resolve('azurite/dist/src/table/main.js');
  // In memory, Azurite still wants a writable working folder; a temporary one keeps the repo clean.
  const cwd = options.persistDir ?? mkdtempSync(path.join(tmpdir(), 'azurite-'));
  const args = [main, '--tableHost', '127.0.0.1', '--tablePort', String(port), '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--loose'];
  args.push(...(options.persistDir === undefined ? ['--inMemoryPersistence'] : ['--location', options.persistDir]));
  // `-e <program> <main> <args>` gives Azurite the argv it would get as `node <main> <args>`.
  // Its own process group: a terminal's Ctrl-C reaches the host, which closes Azurite last, after the
  // handlers still writing to it have settled.
  const child = spawn(process.execPath, ['-e', azuriteParentWatchProgram, ...args], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });

  const stop = async (): Promise<void> => stopChild(child);
  // The IPC channel's close does the same a moment later; the signal only saves that moment.
  const closeOnExit = (): void => {
    child.kill('SIGINT');
  };
  process.once('exit', closeOnExit);

  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('successfully started')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`Azurite exited with code ${String(code)} before listening: ${output.trim()}`)));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  child.once('exit', () => process.removeListener('exit', closeOnExit));
  return { connectionString: azuriteConnectionString(port), port, pid: child.pid, stop };
}

/** SIGINT is Azurite's "save and close" (a plain SIGTERM would drop what it has not autosaved yet). */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), saveAndExitTimeoutInMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}
