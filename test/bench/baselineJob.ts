import { readFileSync, writeFileSync } from 'node:fs';

import { type EmulatorIdentity } from './emulatorMsalApplication';
import { runPool } from './workPool';

/** One message a baseline sends: a stored reference's parts, as a plain bot keeps them, and the text. */
export interface BaselineSend {
  serviceUrl: string;
  conversation: { id: string; tenantId: string; conversationType: string };
  bot: { id: string; name: string };
  user: { id: string; name: string; aadObjectId: string };
  text: string;
}

/** What the bench hands a baseline process (a JSON file): who it is, and the same work the gateway got. */
export interface BaselineJob {
  identity: EmulatorIdentity;
  /** Requests in flight; 0 = everything at once. */
  concurrency: number;
  /** Sent (and awaited) before the measured window, as the gateway gets its warm-up delivery. */
  warmUp: BaselineSend;
  sends: BaselineSend[];
}

/** What it reports back (a JSON file), measured by itself over the sends only. */
export interface BaselineOutcome {
  attempted: number;
  delivered: number;
  failed: number;
  /** Failures by HTTP status after the SDK's own retries (`0` = no HTTP answer). */
  failuresByStatus: Record<string, number>;
  startedAtEpochMs: number;
  finishedAtEpochMs: number;
  /** User + system CPU seconds of this process during the sends (process.cpuUsage). */
  cpuSeconds: number;
  peakRssBytes: number;
}

/**
 * The body of a baseline process: `node <entry>.js <job.json> <outcome.json>`. `send` is the only thing the
 * two baselines do differently; everything measured is measured here, the same way for both.
 */
export async function runBaselineProcess(send: (job: BaselineJob, item: BaselineSend) => Promise<void>): Promise<void> {
  const [jobFile, outcomeFile] = process.argv.slice(2);
  if (jobFile === undefined || outcomeFile === undefined) throw new Error('usage: <entry>.js <job.json> <outcome.json>');
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as BaselineJob;
  await send(job, job.warmUp);

  const failuresByStatus: Record<string, number> = {};
  let delivered = 0;
  const cpuBefore = process.cpuUsage();
  const startedAtEpochMs = Date.now();
  await runPool(job.sends.length, job.concurrency, async (index) => {
    const item = job.sends[index];
    if (item === undefined) return;
    try {
      await send(job, item);
      delivered += 1;
    } catch (error) {
      const code = (error as { statusCode?: unknown }).statusCode;
      const status = typeof code === 'number' ? String(code) : '0';
      failuresByStatus[status] = (failuresByStatus[status] ?? 0) + 1;
    }
  });
  const finishedAtEpochMs = Date.now();
  const cpu = process.cpuUsage(cpuBefore);
  const outcome: BaselineOutcome = {
    attempted: job.sends.length,
    delivered,
    failed: job.sends.length - delivered,
    failuresByStatus,
    startedAtEpochMs,
    finishedAtEpochMs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  writeFileSync(outcomeFile, JSON.stringify(outcome));
}
