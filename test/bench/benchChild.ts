import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The repository root, from dist/test/bench (compiled) or test/bench (ts-jest). */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

/** A process the bench started, its output kept in a log file (nothing of it passes through the bench's CPU). */
export interface BenchChild {
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceInMs`; only this process (and the pids given), never by name. */
  stop(graceInMs?: number, alsoKill?: readonly number[]): Promise<void>;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts `command args` with stdout and stderr appended to `logFile`; the child is killed if the bench exits. */
export function startBenchChild(command: string, args: readonly string[], logFile: string, options: SpawnOptions = {}): BenchChild {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd: repoRoot, ...options, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  liveChildren.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const running of liveChildren) running.kill('SIGKILL');
    });
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      resolve(code ?? (signal === null ? null : 128));
    });
    child.once('error', () => {
      liveChildren.delete(child);
      resolve(null);
    });
  });
  const logTail = (lines = 15): string => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async (graceInMs = 10_000, alsoKill: readonly number[] = []): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(graceInMs).then(() => false)]);
    if (!done) {
      for (const pid of alsoKill) killQuietly(pid);
      child.kill('SIGKILL');
      await exited;
    }
  };
  return { child, logFile, exited, logTail, stop };
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Polls `probe` until it resolves true, the child exits, or the time is up. */
export async function waitUntilReady(what: string, child: BenchChild, probe: () => Promise<boolean>, timeoutInMs: number): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  let exitCode: number | null | undefined;
  void child.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${what} exited (code ${String(exitCode)}) before it was ready:\n${child.logTail()}`);
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} was not ready within ${timeoutInMs / 1000} s:\n${child.logTail()}`);
}
