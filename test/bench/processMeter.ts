import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the kernel says about a process right now (Linux /proc; the gateway cannot be asked to report itself). */
export interface ProcessSample {
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  rssBytes: number;
  /** VmHWM: the highest resident set size so far, i.e. the peak of the whole run for a fresh process. */
  peakRssBytes: number;
}

let clockTicksPerSecond: number | undefined;

/** Ticks of /proc/<pid>/stat's utime/stime; 100 on every common Linux, asked once to be sure. */
function ticksPerSecond(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicksPerSecond = 100;
    }
  }
  return clockTicksPerSecond;
}

/** Undefined when the process is gone or /proc is not there (not Linux). */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { cpuSeconds: ticks / ticksPerSecond(), rssBytes: statusKilobytes(status, 'VmRSS') * 1024, peakRssBytes: statusKilobytes(status, 'VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}

export function canMeterProcesses(): boolean {
  return sampleProcess(process.pid) !== undefined;
}

function statusKilobytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match === null ? 0 : Number(match[1]);
}

/**
 * The child a wrapper process started (`withEmulatorCa.js` runs the gateway as its child): the gateway's own
 * CPU and memory are what the figures are about, not the wrapper's.
 */
export async function waitForChildPid(parentPid: number, timeoutInMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutInMs;
  while (Date.now() < deadline) {
    try {
      const children = readFileSync(`/proc/${parentPid}/task/${parentPid}/children`, 'utf8').trim().split(/\s+/).filter((s) => s !== '');
      const first = children[0];
      if (first !== undefined) return Number(first);
    } catch {
      return undefined;
    }
    await sleep(20);
  }
  return undefined;
}
