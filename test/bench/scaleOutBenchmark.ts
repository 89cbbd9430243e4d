import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { findFreePort } from '../../dev/freePort';
import { localQueueUrlSetting } from '../../dev/localSettings';
import { type EmulatorLimits } from '../../dev/teamsEmulator/emulatorLimits';
import { settingNames } from '../../shared/config';
import { type BenchChild, startBenchChild } from './benchChild';
import { type Maybe, notMeasured } from './benchReport';
import { type BenchStack } from './benchStack';
import { type BudgetReport, operationsPerSendAtFullRate } from './budgetOperationsAtFullRate';
import { type DeliveryCounts, deliveryCounts, observeDeliveries, waitForSends } from './deliveryObserver';
import { acceptedSends, type CreatedConversation } from './emulatorControl';
import { type GatewayProcess, startGatewayProcess } from './gatewayProcess';
import { idealSchedule, perSecondCounts, shareOfCeiling } from './idealSchedule';
import { type SharedQueueProcess, startSharedQueueProcess } from './sharedQueueProcess';

/**
 * Figure 7: one tenant's conversations shared out over K gateway processes (K = 1, 2, 4 by default), all on one
 * Azurite and one Teams emulator, as K Flex Consumption instances share Table Storage and Teams. By default the
 * processes also share one queue (dev/sharedQueue/, as instances share one Service Bus queue): one
 * notification to the 1,000 is POSTed to the first process, and each process sends the share of the copies it
 * takes from the queue. One more run gives each process its own queue and its own notification to a quarter of
 * them, all POSTed at once (several broadcasts to one tenant at the same moment). The tenant's limit holds for
 * their sum. Run with the shared tenant budget (the default) and, as the baseline, with PerTenantBudget=process
 * (each process pacing the tenant alone). And one more with the largest K while as many other processes as the
 * machine has cores spin on them (an instance on a busy host: its copies come back late for their slots).
 */
export interface ScaleOutRun extends DeliveryCounts {
  instances: number;
  budget: 'shared' | 'process';
  /** `shared`: one queue for all processes, one notification; `own`: a queue and a notification per process. */
  queue: 'shared' | 'own';
  /** Processes spinning on the CPU meanwhile (a busy host), 0 for a quiet machine. */
  busyProcesses: number;
  /** First arrival at Teams to the last: the sending itself, without intake (each process resolves its targets first). */
  sendingSpanInMs: number | null;
  /** Ideal time of the k-th delivery ÷ the sending span of the k delivered (idealSchedule.ts). */
  fractionOfCeiling: number | null;
  /** Table operations the processes spent on the tenant budget (their `tenantBudget` log lines), per delivery. */
  budgetOperationsPerSend: number | null;
  /** The same at full rate: 3 s after the first arrival to 3 s before the last (budgetOperationsAtFullRate.ts). */
  budgetOperationsPerSendAtFullRate: number | null;
  /** Copies each process sent (the emulator's arrivals by the process's bot token are not told apart, so from each log). */
  sentPerProcess: number[];
  perSecond: number[];
  notes: string[];
}

export interface ScaleOutFigure {
  conversations: number;
  idealTimeToLastDeliveryInMs: number;
  runs: Maybe<ScaleOutRun>[];
}

export interface ScaleOutOptions {
  instanceCounts: readonly number[];
  /** The largest K also with a queue and a POST per process, and with each process pacing alone. */
  extraRows: boolean;
  /** The largest K once more on a busy host (not in the smoke run: it would slow every test running beside it). */
  busyHostRow: boolean;
  gatewayEnv: Readonly<Record<string, string>>;
}

type Progress = (line: string) => void;

interface Plan {
  instances: number;
  budget: 'shared' | 'process';
  queue: 'shared' | 'own';
  busy: number;
}

/** Busy processes for the busy-host row: one per core (two on the reference machine). */
const busyProcessesOnBusyHost = availableParallelism();

export async function runScaleOutBenchmark(
  stack: BenchStack,
  conversations: readonly CreatedConversation[],
  warmUps: readonly CreatedConversation[],
  limits: EmulatorLimits,
  options: ScaleOutOptions,
  log: Progress,
): Promise<ScaleOutFigure> {
  const ideal = idealSchedule(
    conversations.map((c) => ({ conversationId: c.conversationId, tenantId: c.tenantId })),
    limits,
  );
  const plans: Plan[] = options.instanceCounts.map((instances) => ({ instances, budget: 'shared', queue: 'shared', busy: 0 }));
  const most = Math.max(...options.instanceCounts);
  if (most > 1 && options.extraRows) {
    plans.push(
      { instances: most, budget: 'shared', queue: 'own', busy: 0 },
      { instances: most, budget: 'process', queue: 'shared', busy: 0 },
    );
    if (options.busyHostRow) plans.push({ instances: most, budget: 'shared', queue: 'shared', busy: busyProcessesOnBusyHost });
  }
  const runs: Maybe<ScaleOutRun>[] = [];
  for (const plan of plans) {
    log(`scaleout: ${plan.instances} process(es), ${plan.budget} tenant budget, ${plan.queue} queue${plan.busy > 0 ? `, ${plan.busy} busy processes` : ''}...`);
    const run = await runOne(stack, conversations, warmUps, plan, options.gatewayEnv, ideal).catch((error: unknown) => notMeasured(firstLine(error)));
    log(`scaleout: ${plan.instances} × ${plan.budget}, ${plan.queue} queue: ${run.measured ? `${run.delivered}/${run.deliveriesExpected}, ${run.throttled} × 429, span ${((run.sendingSpanInMs ?? 0) / 1000).toFixed(1)} s` : run.reason}`);
    runs.push(run);
  }
  return { conversations: conversations.length, idealTimeToLastDeliveryInMs: ideal.lastSendAtInMs, runs };
}

async function runOne(
  stack: BenchStack,
  conversations: readonly CreatedConversation[],
  warmUps: readonly CreatedConversation[],
  plan: Plan,
  gatewayEnv: Readonly<Record<string, string>>,
  ideal: ReturnType<typeof idealSchedule>,
): Promise<Maybe<ScaleOutRun>> {
  const runName = `scaleout-${plan.instances}-${plan.budget}${plan.queue === 'own' ? '-own-queues' : ''}${plan.busy > 0 ? '-busy' : ''}`;
  const env: Record<string, string> = { ...gatewayEnv, [settingNames.perTenantBudget]: plan.budget };
  const gateways: GatewayProcess[] = [];
  const logFiles: string[] = [];
  let queue: SharedQueueProcess | undefined;
  const busy: BenchChild[] = [];
  try {
    if (plan.queue === 'shared') {
      queue = await startSharedQueueProcess(path.join(stack.logDir, `queue-${runName}.log`));
      env[localQueueUrlSetting] = queue.url;
    }
    for (let i = 0; i < plan.instances; i++) {
      const logFile = path.join(stack.logDir, `gateway-${runName}-${i + 1}.log`);
      logFiles.push(logFile);
      gateways.push(await startGatewayProcess({ port: await findFreePort(), emulatorUrl: stack.emulatorUrl, tablesConnectionString: stack.tablesConnectionString, logFile, extraEnv: env }));
    }
    // Every process sends once before the run (its Connector stack loaded, its token acquired), as instances that
    // have been running. With one queue a copy goes to whichever process takes its session, so warm-up copies go
    // to conversations of their own, one after another, until each process has sent one: all to one conversation,
    // they went to the process that held its session, and the others loaded the Connector stack (0.4 to 0.8 s
    // here) in the run's first second.
    const warmUpAttempts = 4 * plan.instances;
    for (let attempt = 0; attempt < warmUpAttempts && logFiles.some((file) => sentCount(file) === 0); attempt++) {
      const gateway = gateways[attempt % gateways.length] as GatewayProcess;
      const target = warmUps[attempt % warmUps.length] as CreatedConversation;
      const before = acceptedSends(await stack.control.stats());
      const response = await gateway.api.postNotification({ targets: [{ conversationId: target.conversationId }], message: { text: `warm-up ${runName} ${attempt}` } });
      if (response.status !== 202) return notMeasured(`the warm-up notification was refused: ${response.status} ${response.text.slice(0, 200)}`);
      const warm = await waitForSends(stack.control, { acceptedBefore: before, expected: 1, stallTimeoutInMs: 30_000, deadlineEpochMs: Date.now() + 30_000 });
      if (warm.kind !== 'complete') return notMeasured(`process ${(attempt % gateways.length) + 1} delivered nothing within 30 s of its warm-up`);
      // The copy's answer is logged after Teams accepted it.
      await sleep(100);
    }
    const cold = logFiles.flatMap((file, index) => (sentCount(file) === 0 ? [index + 1] : []));
    // Budget operations of the warm-up are not the run's: take each process's count now.
    await sleep(1_500);
    const operationsBefore = lastCounts(budgetReports(logFiles));

    const tag = `${runName}-${randomBytes(3).toString('hex')}`;
    // One queue: one notification, to the first process (an HTTP request reaches one instance). Own queues: each its share.
    const posting = plan.queue === 'shared' ? gateways.slice(0, 1) : gateways;
    const shares = Array.from({ length: posting.length }, (_, i) => conversations.filter((_c, index) => index % posting.length === i));
    // Bench children: killed with the bench however it ends (Ctrl-C, SIGTERM), not only by the finally below.
    for (let i = 0; i < plan.busy; i++) busy.push(startBenchChild(process.execPath, ['-e', 'for (;;) {}'], path.join(stack.logDir, `busy-${runName}-${i + 1}.log`)));
    const sentBefore = logFiles.map(sentCount);
    const statsBefore = await stack.control.stats();
    const startedAt = Date.now();
    const notes: string[] = cold.map((index) => `process ${index} sent no warm-up copy (another process took each): it started cold`);
    const answers = await Promise.all(
      posting.map(async (gateway, i) =>
        gateway.api.postNotification({ targets: (shares[i] ?? []).map((c) => ({ conversationId: c.conversationId })), message: { text: `Bench ${tag}` } }),
      ),
    );
    for (const answer of answers) if (answer.status !== 202) notes.push(`POST /api/notifications answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    const progress = await waitForSends(stack.control, {
      acceptedBefore: acceptedSends(statsBefore),
      expected: conversations.length,
      stallTimeoutInMs: 45_000,
      deadlineEpochMs: startedAt + 60_000 + 3 * ideal.lastSendAtInMs,
    });
    if (progress.kind !== 'complete') notes.push(`${progress.kind}: ${progress.accepted} of ${conversations.length} sends accepted when the run ended`);
    await Promise.all(busy.splice(0).map(async (child) => child.stop()));
    // The budget's report trails its last lease by a second.
    await sleep(1_500);
    const reports = budgetReports(logFiles);
    const operationsAfter = lastCounts(reports);
    const sentPerProcess = logFiles.map((file, i) => sentCount(file) - (sentBefore[i] ?? 0));
    const statsAfter = await stack.control.stats();
    const observed = await observeDeliveries(
      stack.control,
      conversations.map((c) => c.conversationId),
      tag,
      startedAt,
    );
    const counts = deliveryCounts(conversations.length, observed, statsBefore, statsAfter);
    const { delivered } = counts;
    const first = observed.arrivalsInMs[0];
    const last = observed.arrivalsInMs[delivered - 1];
    const span = first === undefined || last === undefined ? null : Math.max(1, last - first);
    const operations = operationsAfter - operationsBefore;
    return {
      measured: true,
      instances: plan.instances,
      budget: plan.budget,
      queue: plan.queue,
      busyProcesses: plan.busy,
      ...counts,
      sendingSpanInMs: span,
      fractionOfCeiling: shareOfCeiling(ideal, delivered, span),
      budgetOperationsPerSend: plan.budget === 'shared' && delivered > 0 ? operations / delivered : null,
      budgetOperationsPerSendAtFullRate:
        plan.budget === 'shared'
          ? operationsPerSendAtFullRate(
              reports,
              observed.arrivalsInMs.slice(0, delivered).map((t) => startedAt + t),
            )
          : null,
      sentPerProcess,
      perSecond: perSecondCounts(observed.arrivalsInMs.map((t) => t - (first ?? 0))),
      notes,
    };
  } finally {
    await Promise.all(busy.map(async (child) => child.stop()));
    await Promise.all(gateways.map(async (gateway) => gateway.stop()));
    await queue?.stop();
  }
}

/** Copies a process sent: its log's `outcome=sent` lines (one per delivery Teams accepted). */
function sentCount(logFile: string): number {
  try {
    return (readFileSync(logFile, 'utf8').match(/outcome=sent\b/g) ?? []).length;
  } catch {
    return 0;
  }
}

/** Sum over the processes of the last `{"event":"tenantBudget",...}` line each logged (0 before any lease). */
function lastCounts(reports: readonly (readonly BudgetReport[])[]): number {
  return reports.reduce((total, process) => total + (process[process.length - 1]?.tableOperations ?? 0), 0);
}

/** Each process's `tenantBudget` lines with their time (its warm-up's too: running counts, read at the window's ends). */
function budgetReports(logFiles: readonly string[]): BudgetReport[][] {
  return logFiles.map((file) => {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return [];
    }
    return (text.match(/\{"event":"tenantBudget"[^\n]*\}/g) ?? []).flatMap((line) => {
      const parsed = JSON.parse(line) as { tableOperations?: unknown; at?: unknown };
      const { tableOperations, at } = parsed;
      return typeof tableOperations === 'number' && typeof at === 'number' ? [{ at, tableOperations }] : [];
    });
  });
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
