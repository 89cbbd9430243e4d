import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { settingNames } from '../../shared/config';
import { repoRoot } from './benchChild';
import { startBenchStack } from './benchStack';
import { seedConversations } from './conversationSeeder';
import { runIntakeBenchmark } from './intakeBenchmark';
import { runIntakeRateBenchmark } from './intakeRateBenchmark';
import { countsBetween, startTableRequestCounter } from './tableRequestCounter';

/**
 * `npm run build && node dist/dev/withEmulatorCa.js node dist/test/bench/runIntakeLoad.js [--only rate,broadcast]`: the intake figures with
 * Table round trips counted on the wire (tableRequestCounter.ts). `rate`: single-conversation POSTs at
 * --rate per second for --seconds, open loop, then round trips per sent copy, intake included. `broadcast`:
 * a tenant-wide broadcast to --broadcast conversations (figure 5 of `npm run bench`) and its round trips.
 * Writes <out>/intake-load.json.
 */
const startedAt = Date.now();
const log = (line: string): void => {
  process.stdout.write(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: 'rate,broadcast' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '20' },
      tenants: { type: 'string', default: '40' },
      'per-tenant': { type: 'string', default: '5' },
      broadcast: { type: 'string', default: '10000' },
      out: { type: 'string', default: 'bench-results' },
      // Writes a V8 CPU profile of the gateway (and its CA wrapper) there when it stops: where intake time goes.
      'cpu-prof-dir': { type: 'string' },
    },
  });
  const only = values.only.split(',').map((name) => name.trim());
  const outDir = path.resolve(repoRoot, values.out);
  const logDir = path.join(outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const results: Record<string, unknown> = { startedAt: new Date(startedAt).toISOString(), node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg() };
  const stack = await startBenchStack(logDir);
  const tables = await startTableRequestCounter(stack.tablesConnectionString);
  const profileDir = values['cpu-prof-dir'];
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  const gatewayEnv: Record<string, string> = {
    [settingNames.tablesConnectionString]: tables.connectionString,
    ...(profileDir === undefined ? {} : { NODE_OPTIONS: `--require ${path.join(__dirname, 'cpuProfilePreload.js')}`, CPU_PROFILE_DIR: path.resolve(profileDir) }),
  };
  const seedOptions = { control: stack.control, tables: stack.seedTables, concurrency: 32 };
  try {
    const [warmUp] = await seedConversations(seedOptions, randomUUID(), 1, 'warm-up');
    if (warmUp === undefined) throw new Error('no warm-up conversation');
    if (only.includes('rate')) {
      const conversationIds: string[] = [];
      for (let tenant = 0; tenant < Number(values.tenants); tenant++) {
        const seeded = await seedConversations(seedOptions, randomUUID(), Number(values['per-tenant']), `rate ${tenant}`);
        conversationIds.push(...seeded.map((conversation) => conversation.conversationId));
      }
      log(`seeded ${conversationIds.length} conversations in ${values.tenants} tenants`);
      const gateway = await stack.startGateway('intake-rate', gatewayEnv);
      try {
        const warm = await gateway.api.postNotification({ targets: [{ conversationId: warmUp.conversationId }], message: { text: 'warm-up' } });
        if (warm.status !== 202) throw new Error(`warm-up refused: ${warm.status} ${warm.text.slice(0, 200)}`);
        const cpuBefore = { gateway: gateway.sample()?.cpuSeconds, azurite: stack.azuriteSample()?.cpuSeconds };
        const figure = await runIntakeRateBenchmark(
          { api: gateway.api, control: stack.control, tables, conversationIds, requestsPerSecond: Number(values.rate), seconds: Number(values.seconds), settleTimeoutInSeconds: 300 },
          log,
        );
        // Which process the time went to: the gateway's CPU against Azurite's over the same run.
        const cpuSeconds = {
          gateway: (gateway.sample()?.cpuSeconds ?? Number.NaN) - (cpuBefore.gateway ?? Number.NaN),
          azurite: (stack.azuriteSample()?.cpuSeconds ?? Number.NaN) - (cpuBefore.azurite ?? Number.NaN),
        };
        results.rate = { ...figure, cpuSeconds };
        log(`rate: CPU gateway ${cpuSeconds.gateway.toFixed(1)} s, Azurite ${cpuSeconds.azurite.toFixed(1)} s; answers ${JSON.stringify(figure.statuses)}`);
        log(`rate: p50 ${figure.latencyInMs.p50.toFixed(0)} ms, p99 ${figure.latencyInMs.p99.toFixed(0)} ms, max ${figure.latencyInMs.max.toFixed(0)} ms, errors ${figure.errors}`);
        log(`rate: intake ${figure.intakeRoundTripsPerPost.toFixed(2)} round trips per POST ${JSON.stringify(figure.intakeTables.byKind)}`);
        log(`rate: ${figure.sent} sent (all by ${figure.allSentInMs?.toFixed(0) ?? '-'} ms), ${figure.roundTripsPerSentDelivery?.toFixed(2) ?? '-'} round trips per sent copy ${JSON.stringify(figure.tables.byKind)}`);
      } finally {
        await gateway.stop();
      }
    }
    if (only.includes('broadcast')) {
      const tenantId = randomUUID();
      const count = Number(values.broadcast);
      const seedStarted = Date.now();
      await seedConversations(seedOptions, tenantId, count, 'broadcast');
      const before = tables.snapshot();
      const figure = await runIntakeBenchmark(
        stack,
        { tenantId, conversations: count, seedInSeconds: (Date.now() - seedStarted) / 1000, deadlineInSeconds: 180, warmUpConversationId: warmUp.conversationId, gatewayEnv },
        log,
      );
      const counted = countsBetween(before, tables.snapshot());
      results.broadcast = { ...figure, tables: counted, roundTripsPerQueuedDelivery: figure.deliveriesQueued > 0 ? counted.requests / figure.deliveriesQueued : null };
      log(`broadcast: 202 in ${figure.answerInMs.toFixed(0)} ms, fully queued in ${figure.fullyEnqueuedInMs?.toFixed(0) ?? '-'} ms (${figure.deliveriesQueued} queued), gateway CPU ${figure.gatewayCpuSeconds?.toFixed(1) ?? '-'} s, Azurite CPU ${figure.azuriteCpuSeconds?.toFixed(1) ?? '-'} s`);
      log(`broadcast: ${counted.requests} Table round trips until queued (status polls included) ${JSON.stringify(counted.byKind)} ${figure.notes.join('; ')}`);
    }
  } finally {
    await tables.close();
    await stack.stop();
  }
  writeFileSync(path.join(outDir, 'intake-load.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
