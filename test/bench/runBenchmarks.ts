import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { defaultEmulatorCaDir } from '../../dev/emulatorCa';
import { type EmulatorLimits } from '../../dev/teamsEmulator/emulatorLimits';
import { repoRoot } from './benchChild';
import { type BenchOptions, benchUsage, parseBenchOptions } from './benchOptions';
import { type BenchReport, type DeliveryRun, type Maybe, notMeasured } from './benchReport';
import { type BenchStack, startBenchStack } from './benchStack';
import { runCaptureBenchmark } from './captureLatencyBenchmark';
import { runColdStartBenchmark } from './coldStartBenchmark';
import { seedConversations } from './conversationSeeder';
import { renderDeliveryChart } from './deliveryChart';
import { type DeliveryCounts } from './deliveryObserver';
import { type CreatedConversation } from './emulatorControl';
import { runIntakeBenchmark } from './intakeBenchmark';
import { runIntakeRateBenchmark } from './intakeRateBenchmark';
import { canMeterProcesses } from './processMeter';
import { formatTable, tableRows } from './resultTable';
import { runScaleOutBenchmark } from './scaleOutBenchmark';
import { runCpuBenchmark, runThroughputBenchmark } from './throughputBenchmark';
import { type ThroughputSeeds } from './throughputScenarios';

/**
 * `npm run bench`: the gateway's figures side by side with baselines, in one run. Prints a table and writes
 * `<out>/results.json`, `<out>/deliveries.svg` and the processes' logs under `<out>/logs/`. Each figure runs
 * alone with `--only`; a figure whose pieces are missing is reported as "not measured: <why>" and the others
 * still run. Exit code 1 when a gateway run lost or repeated a delivery.
 */
const startedAt = new Date();
const log = (line: string): void => {
  process.stdout.write(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
};

async function main(): Promise<number> {
  let parsed: BenchOptions | 'help';
  try {
    parsed = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${benchUsage}\n`);
    return 2;
  }
  if (parsed === 'help') {
    process.stdout.write(`${benchUsage}\n`);
    return 0;
  }
  const options = parsed;
  const outDir = path.resolve(repoRoot, options.outDir);
  const logDir = path.join(outDir, 'logs');
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });

  const report: BenchReport = {
    meta: {
      startedAt: startedAt.toISOString(),
      finishedAt: '',
      durationInSeconds: 0,
      node: process.version,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.cpus().length,
      memoryBytes: os.totalmem(),
      loadAverageAtStart: os.loadavg(),
    },
    options,
    figures: {},
  };
  log(`bench: ${options.only.join(', ')}${options.smoke ? ' (smoke sizes)' : ''} on ${report.meta.cpus} × ${report.meta.cpuModel}, load ${os.loadavg()[0]?.toFixed(2)}`);

  if (options.only.includes('coldstart')) {
    log('coldstart: fresh processes...');
    report.figures.coldStart = await measured(async () => runColdStartBenchmark(options.coldStartRepeats, path.join(outDir, 'bundle'), log));
  }

  const stackFigures = options.only.filter((f) => f !== 'coldstart');
  if (stackFigures.length > 0) await runStackFigures(options, report, logDir, options.cpuProfile ? path.join(outDir, 'profiles') : undefined);

  report.meta.finishedAt = new Date().toISOString();
  report.meta.durationInSeconds = (Date.now() - startedAt.getTime()) / 1000;
  writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  const throughput = report.figures.throughput;
  const caption = `Deliveries per second against Teams' limits: ${report.meta.cpus} × ${report.meta.cpuModel}, ${report.meta.startedAt.slice(0, 10)}`;
  writeFileSync(path.join(outDir, 'deliveries.svg'), renderDeliveryChart(throughput?.measured === true ? throughput.scenarios : [], caption));

  process.stdout.write(`\n${formatTable(tableRows(report))}\n\n`);
  process.stdout.write(`Results: ${path.relative(process.cwd(), path.join(outDir, 'results.json'))}, chart: ${path.relative(process.cwd(), path.join(outDir, 'deliveries.svg'))}, logs: ${path.relative(process.cwd(), logDir)}/\n`);
  process.stdout.write(`Took ${report.meta.durationInSeconds.toFixed(0)} s. Ratios are ours ÷ baseline; machine speed cancels out of them, not out of the absolute figures.\n`);

  const lost = gatewayRuns(report).filter((run) => run.failed > 0 || run.duplicates > 0);
  if (lost.length > 0) {
    process.stderr.write(`FAILED: a gateway run lost or repeated deliveries (${lost.map((r) => `${r.failed} failed, ${r.duplicates} duplicates`).join('; ')})\n`);
    return 1;
  }
  return 0;
}

/** `profileDir`: where each gateway process writes its CPU profile (`--cpu-prof`). */
async function runStackFigures(options: BenchOptions, report: BenchReport, logDir: string, profileDir: string | undefined): Promise<void> {
  const wants = (figure: string): boolean => options.only.some((f) => f === figure);
  const setAll = (reason: string): void => {
    if (wants('throughput')) report.figures.throughput = notMeasured(reason);
    if (wants('cpu')) report.figures.cpu = notMeasured(reason);
    if (wants('capture')) report.figures.capture = notMeasured(reason);
    if (wants('intake')) report.figures.intake = notMeasured(reason);
    if (wants('intakerate')) report.figures.intakeRate = notMeasured(reason);
    if (wants('scaleout')) report.figures.scaleOut = notMeasured(reason);
  };
  if (!canMeterProcesses()) log('note: /proc is not readable here, so CPU and RSS of the gateway are not measured');

  let stack: BenchStack;
  try {
    log('stack: Azurite and the Teams emulator, each in its own process...');
    stack = await startBenchStack(logDir, profileDir);
  } catch (error) {
    setAll(`the bench stack did not start: ${firstLine(error)}`);
    return;
  }
  try {
    const limits: EmulatorLimits =
      options.tenantLimit === undefined ? await stack.control.limits() : await stack.control.setLimits({ tenant: [{ limit: options.tenantLimit, periodInSeconds: 1 }] });
    report.meta.limits = limits;
    const seedOptions = {
      control: stack.control,
      tables: stack.seedTables,
      concurrency: options.seedConcurrency,
      progress: (done: number): void => log(`  ...${done} seeded`),
    };
    const seed = async (count: number, label: string, tenantId: string = randomUUID()): Promise<CreatedConversation[]> => {
      const started = Date.now();
      const seeded = await seedConversations(seedOptions, tenantId, count, label);
      log(`seeded ${count} ${label} conversation(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return seeded;
    };

    let seeds: ThroughputSeeds | undefined;
    if (wants('throughput') || wants('cpu') || wants('intake') || wants('intakerate') || wants('scaleout')) {
      try {
        // Scale-out warms each of its processes on a conversation of its own (a session stays with one process).
        const warmUps = await seed(wants('scaleout') ? Math.max(1, ...options.scaleOutInstances) : 1, 'warm-up');
        seeds = { warmUp: warmUps[0] as CreatedConversation, warmUps };
        if (wants('throughput') || wants('scaleout')) seeds.oneTenant = await seed(options.tenantConversations, 'one-tenant');
        if (wants('throughput')) {
          const busyTenant = randomUUID();
          const [ours, baseline] = await seed(2, 'busy', busyTenant);
          seeds.busy = { ours: ours as CreatedConversation, baseline: baseline as CreatedConversation };
        }
        if (wants('throughput') || wants('cpu')) {
          seeds.severalTenants = [];
          for (let t = 0; t < options.tenants; t++) seeds.severalTenants.push(await seed(options.conversationsPerTenant, `tenant-${t + 1}`));
        }
      } catch (error) {
        const reason = `seeding conversations failed: ${firstLine(error)}`;
        if (wants('throughput')) report.figures.throughput = notMeasured(reason);
        if (wants('cpu')) report.figures.cpu = notMeasured(reason);
        if (wants('scaleout')) report.figures.scaleOut = notMeasured(reason);
        seeds = undefined;
      }
    }

    let severalTenantsGatewayRun: Maybe<DeliveryRun> | undefined;
    if (wants('throughput') && seeds !== undefined) {
      const ready = seeds;
      report.figures.throughput = await measured(async () => {
        const outcome = await runThroughputBenchmark(stack, ready, limits, options, log);
        severalTenantsGatewayRun = outcome.severalTenantsGatewayRun;
        return { scenarios: outcome.scenarios };
      });
    }
    if (wants('cpu') && seeds !== undefined) {
      const ready = seeds;
      report.figures.cpu = await measured(async () => runCpuBenchmark(stack, ready, limits, options, severalTenantsGatewayRun, log));
    }
    if (wants('scaleout') && seeds?.oneTenant !== undefined) {
      const { oneTenant, warmUps } = seeds;
      report.figures.scaleOut = await measured(async () =>
        runScaleOutBenchmark(stack, oneTenant, warmUps, limits, { instanceCounts: options.scaleOutInstances, extraRows: options.scaleOutExtraRows, busyHostRow: options.scaleOutExtraRows && !options.smoke, gatewayEnv: options.gatewayEnv }, log),
      );
    }
    if (wants('capture')) {
      report.figures.capture = await measured(async () => {
        const conversations = await seed(options.captureConversations, 'capture');
        return runCaptureBenchmark(stack, conversations, { ratePerSecond: options.captureRate, seconds: options.captureSeconds, gatewayEnv: options.gatewayEnv }, log);
      });
    }
    if (wants('intakerate')) {
      const warmUp = seeds?.warmUp;
      // Before the broadcast: a gateway stopped mid-broadcast leaves copies the next one re-queues at its start.
      report.figures.intakeRate = await measured(async () => {
        if (warmUp === undefined) throw new Error('the warm-up conversation was not seeded');
        // Many tenants, a few conversations each: the open loop measures intake, not one tenant's pacing.
        const conversationIds: string[] = [];
        for (let tenant = 0; tenant < options.intakeRateTenants; tenant++) {
          const seeded = await seedConversations(seedOptions, randomUUID(), options.intakeRateConversationsPerTenant, `rate ${tenant + 1}`);
          conversationIds.push(...seeded.map((conversation) => conversation.conversationId));
        }
        log(`seeded ${conversationIds.length} conversations in ${options.intakeRateTenants} tenants`);
        const figure = await runIntakeRateBenchmark(
          stack,
          {
            conversationIds,
            requestsPerSecond: options.intakeRate,
            seconds: options.intakeRateSeconds,
            settleTimeoutInSeconds: 300,
            warmUpConversationId: warmUp.conversationId,
            gatewayEnv: options.gatewayEnv,
          },
          log,
        );
        log(`intake-rate: p50 ${figure.latencyInMs.p50.toFixed(0)} ms, p99 ${figure.latencyInMs.p99.toFixed(0)} ms; ${figure.roundTripsPerSentDelivery?.toFixed(2) ?? '-'} Table round trips per sent copy`);
        return figure;
      });
    }
    if (wants('intake')) {
      const warmUp = seeds?.warmUp;
      report.figures.intake = await measured(async () => {
        if (warmUp === undefined) throw new Error('the warm-up conversation was not seeded');
        const tenantId = randomUUID();
        const seedStarted = Date.now();
        await seed(options.intakeConversations, 'intake', tenantId);
        return runIntakeBenchmark(
          stack,
          {
            tenantId,
            conversations: options.intakeConversations,
            seedInSeconds: (Date.now() - seedStarted) / 1000,
            deadlineInSeconds: options.intakeDeadlineSeconds,
            warmUpConversationId: warmUp.conversationId,
            gatewayEnv: options.gatewayEnv,
          },
          log,
        );
      });
    }
  } finally {
    await stack.stop();
  }
}

/** A figure's result, or "not measured" with the first line of whatever stopped it. */
async function measured<T extends object>(run: () => Promise<T>): Promise<Maybe<T>> {
  try {
    return { measured: true, ...(await run()) };
  } catch (error) {
    log(`not measured: ${firstLine(error)}`);
    return notMeasured(firstLine(error));
  }
}

/** The measured runs that must lose and repeat nothing: the gateway's, and scale-out's with the shared budget. */
function gatewayRuns(report: BenchReport): DeliveryCounts[] {
  const runs: Maybe<DeliveryCounts>[] = [];
  const { throughput, cpu, scaleOut } = report.figures;
  if (throughput?.measured === true) runs.push(...throughput.scenarios.map((s) => s.ours));
  if (cpu?.measured === true) runs.push(cpu.ours);
  if (scaleOut?.measured === true) runs.push(...scaleOut.runs.filter((run) => !run.measured || run.budget === 'shared'));
  return runs.flatMap((run) => (run.measured ? [run] : []));
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/** The emulator serves HTTPS with its own CA, which Node trusts only through NODE_EXTRA_CA_CERTS at start-up. */
function runningUnderEmulatorCa(): boolean {
  return (process.env.NODE_EXTRA_CA_CERTS ?? '') === path.join(defaultEmulatorCaDir(), 'ca.pem');
}

if (runningUnderEmulatorCa() || process.argv.includes('--help') || process.argv.includes('-h')) {
  // Ctrl-C: exit through process.exit so the exit hooks kill the processes the bench started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
} else {
  // Same as `npm start` does: re-run under dist/dev/withEmulatorCa.js, which makes the CA and sets the variable.
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/dev/withEmulatorCa.js'), process.execPath, ...process.argv.slice(1)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
}
