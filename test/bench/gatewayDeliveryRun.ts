import { setTimeout as sleep } from 'node:timers/promises';

import { type DeliveryRun, type FirstCalls, type Maybe, notMeasured } from './benchReport';
import { type BenchStack } from './benchStack';
import { deliveryCounts, observeDeliveries, waitForSends } from './deliveryObserver';
import { acceptedSends, type CreatedConversation } from './emulatorControl';
import { settledCount } from './gatewayApi';
import { type GatewayProcess } from './gatewayProcess';
import { type IdealSchedule, perSecondCounts, shareOfCeiling } from './idealSchedule';
import { countsBetween } from './tableRequestCounter';
import { runPool } from './workPool';

/** One run's work for the gateway: the notifications to POST and where their deliveries must land. */
export interface GatewayWork {
  runName: string;
  /** Carried in every message text of the run, so its deliveries can be told from every other run's. */
  tag: string;
  notifications: unknown[];
  /** The conversations that must each receive the run's messages. */
  conversations: readonly CreatedConversation[];
  deliveriesExpected: number;
  /** The best schedule of this work under the limits, for fractionOfCeiling. */
  ideal: IdealSchedule;
  /** Give up this long after the start even if deliveries are still arriving. */
  deadlineInMs: number;
  /** Count the run's Table round trips (BenchStack.tableRequests). */
  countTableRequests?: boolean;
}

/** A conversation of its own tenant that every fresh gateway delivers to once before the measured window. */
export interface WarmUpTarget {
  conversationId: string;
}

/** How long after Teams has the last copy its status writes are still counted as the run's. */
const statusWriteSettleInMs = 1_000;

/** Stall limit: longer than Teams' 30 s window, which a well-paced sender may have to wait out. */
const stallTimeoutInMs = 45_000;

/**
 * A fresh gateway process does one scenario: warm-up (module loading, first token, tables), then every
 * notification POSTed, then the wait until Teams has every delivery. CPU is the gateway process's own over the
 * measured window; peak RSS is the process's high-water mark at the end.
 */
export async function runGatewayDelivery(stack: BenchStack, work: GatewayWork, warmUp: WarmUpTarget, gatewayEnv: Readonly<Record<string, string>>): Promise<Maybe<DeliveryRun>> {
  let gateway: GatewayProcess;
  const spawnedAt = performance.now();
  try {
    gateway = await stack.startGateway(work.runName, gatewayEnv, { countTableRequests: work.countTableRequests === true });
  } catch (error) {
    return notMeasured(`the gateway did not start: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  try {
    const startToHttpInMs = performance.now() - spawnedAt;
    const warm = await warmUpGateway(stack, gateway, warmUp, work.runName);
    if (warm.kind === 'failed') return warm.run;
    const run = await measure(stack, gateway, work);
    return run.measured ? { ...run, firstCalls: { startToHttpInMs, ...warm.firstCalls } } : run;
  } finally {
    await gateway.stop();
  }
}

/** The warm-up notification, timed: the gateway's first POST and its first delivery. */
async function warmUpGateway(
  stack: BenchStack,
  gateway: GatewayProcess,
  warmUp: WarmUpTarget,
  runName: string,
): Promise<{ kind: 'failed'; run: Maybe<DeliveryRun> } | { kind: 'warm'; firstCalls: Omit<FirstCalls, 'startToHttpInMs'> }> {
  const before = acceptedSends(await stack.control.stats());
  const postedAt = Date.now();
  const response = await gateway.api.postNotification({ targets: [{ conversationId: warmUp.conversationId }], message: { text: `warm-up ${runName}` } });
  const firstNotificationInMs = Date.now() - postedAt;
  if (response.status === 404) return { kind: 'failed', run: notMeasured('POST /api/notifications is not served by the local host (404)') };
  if (response.status !== 202) return { kind: 'failed', run: notMeasured(`the warm-up notification was refused: ${response.status} ${response.text.slice(0, 200)}`) };
  const progress = await waitForSends(stack.control, { acceptedBefore: before, expected: 1, stallTimeoutInMs: 30_000, deadlineEpochMs: Date.now() + 30_000, pollIntervalInMs: 10 });
  if (progress.kind !== 'complete') {
    return { kind: 'failed', run: notMeasured('a notification was accepted (202) but nothing reached Teams within 30 s: no send function serves the queue yet') };
  }
  return { kind: 'warm', firstCalls: { firstNotificationInMs, firstDeliveryInMs: progress.atEpochMs - postedAt } };
}

async function measure(stack: BenchStack, gateway: GatewayProcess, work: GatewayWork): Promise<Maybe<DeliveryRun>> {
  const notes: string[] = [];
  const statsBefore = await stack.control.stats();
  const cpuBefore = gateway.sample();
  const tablesBefore = stack.tableRequests.snapshot();
  const startedAt = Date.now();

  const accepted = await runPool(work.notifications.length, 8, async (index) => gateway.api.postNotification(work.notifications[index]));
  const ids: string[] = [];
  for (const response of accepted) {
    if (response.status === 202 && response.body?.id !== undefined) ids.push(response.body.id);
    else notes.push(`POST /api/notifications answered ${response.status}: ${response.text.slice(0, 200)}`);
  }

  const progress = await waitForSends(stack.control, {
    acceptedBefore: acceptedSends(statsBefore),
    expected: work.deliveriesExpected,
    stallTimeoutInMs,
    deadlineEpochMs: startedAt + work.deadlineInMs,
  });
  const cpuAfter = gateway.sample();
  // The last copies' `sent` writes trail Teams' answer by a round trip or two; the status reads below are the bench's, not the run's.
  if (work.countTableRequests === true) await sleep(statusWriteSettleInMs);
  const tablesAfter = stack.tableRequests.snapshot();
  if (progress.kind !== 'complete') notes.push(`${progress.kind}: ${progress.accepted} of ${work.deliveriesExpected} sends accepted when the run ended`);

  // The gateway's own account: sends it has not settled yet (status writes trail the send a little) are waited for briefly.
  const settled = await readSettledCounts(gateway, ids, work.deliveriesExpected);
  if (settled.failed > 0 || settled.skipped > 0) notes.push(`gateway status: ${settled.failed} failed, ${settled.skipped} skipped`);

  const statsAfter = await stack.control.stats();
  const observed = await observeDeliveries(
    stack.control,
    work.conversations.map((c) => c.conversationId),
    work.tag,
    startedAt,
  );
  const counts = deliveryCounts(work.deliveriesExpected, observed, statsBefore, statsAfter);
  const { delivered, timeToLastDeliveryInMs: timeToLast } = counts;
  const rate = timeToLast === null ? null : delivered / (timeToLast / 1000);
  const cpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? null : cpuAfter.cpuSeconds - cpuBefore.cpuSeconds;
  if (cpuSeconds === null) notes.push('CPU not measured: /proc is not readable for the gateway process');
  const tableRoundTrips = work.countTableRequests === true ? countsBetween(tablesBefore, tablesAfter) : null;
  return {
    measured: true,
    sender: 'gateway',
    ...counts,
    deliveredPerSecond: rate,
    fractionOfCeiling: shareOfCeiling(work.ideal, delivered, timeToLast),
    cpuSeconds,
    cpuSecondsPer1000Deliveries: cpuSeconds === null || delivered === 0 ? null : (cpuSeconds / delivered) * 1000,
    peakRssBytes: gateway.sample()?.peakRssBytes ?? null,
    tableRoundTrips,
    tableRoundTripsPerDelivery: tableRoundTrips === null || delivered === 0 ? null : tableRoundTrips.requests / delivered,
    perSecond: perSecondCounts(observed.arrivalsInMs),
    firstCalls: null,
    notes,
  };
}

/** Sums the notifications' status counts, waiting up to 10 s for status writes that trail the last send. */
async function readSettledCounts(gateway: GatewayProcess, ids: readonly string[], expected: number): Promise<{ sent: number; failed: number; skipped: number }> {
  const deadline = Date.now() + 10_000;
  let totals = { sent: 0, failed: 0, skipped: 0, settled: 0 };
  for (;;) {
    try {
      const statuses = await runPool(ids.length, 4, async (index) => gateway.api.notificationStatus(ids[index] ?? ''));
      totals = statuses.reduce(
        (sum, status) => ({
          sent: sum.sent + status.counts.sent,
          failed: sum.failed + status.counts.failed,
          skipped: sum.skipped + status.counts.skipped,
          settled: sum.settled + settledCount(status),
        }),
        { sent: 0, failed: 0, skipped: 0, settled: 0 },
      );
    } catch {
      // A status the gateway cannot give is not a delivery figure; the emulator's count stands.
      return totals;
    }
    if (totals.settled >= expected || Date.now() > deadline) return totals;
    await sleep(250);
  }
}
