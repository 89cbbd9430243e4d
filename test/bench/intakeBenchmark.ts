import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { type IntakeFigure } from './benchReport';
import { type BenchStack } from './benchStack';
import { allFanOutsDone } from './gatewayApi';
import { countsBetween } from './tableRequestCounter';

const pollIntervalInMs = 500;
/** No new page for this long means nothing expands the fan-out (its pages run as queue messages). */
const stallTimeoutInMs = 120_000;

interface IntakeOptions {
  tenantId: string;
  conversations: number;
  seedInSeconds: number;
  deadlineInSeconds: number;
  warmUpConversationId: string;
  gatewayEnv: Readonly<Record<string, string>>;
}

/**
 * Figure 5: a tenant-wide broadcast to every seeded conversation of one tenant. How long the caller waits for
 * the 202, and how long until every delivery is queued (every fan-out page done), read from the status API.
 * Sending starts meanwhile, as it would in production; the gateway is stopped once the intake is measured or
 * the deadline passes (the figure then says how far it came). CPU of the gateway and of Azurite over the
 * intake shows which of them the time went to.
 */
export async function runIntakeBenchmark(stack: BenchStack, options: IntakeOptions, log: (line: string) => void): Promise<IntakeFigure> {
  const gateway = await stack.startGateway('intake', options.gatewayEnv, { countTableRequests: true });
  const notes: string[] = [];
  try {
    // Tables created and modules loaded, as in a running gateway: one small notification first.
    const warm = await gateway.api.postNotification({ targets: [{ conversationId: options.warmUpConversationId }], message: { text: 'warm-up intake' } });
    if (warm.status === 404) throw new Error('POST /api/notifications is not served by the local host (404)');
    if (warm.status !== 202) throw new Error(`the warm-up notification was refused: ${warm.status} ${warm.text.slice(0, 200)}`);

    const tag = `intake-${randomBytes(3).toString('hex')}`;
    log(`intake: broadcast to ${options.conversations} conversations (watched for up to ${options.deadlineInSeconds} s)...`);
    const gatewayBefore = gateway.sample();
    const azuriteBefore = stack.azuriteSample();
    const tablesBefore = stack.tableRequests.snapshot();
    const started = performance.now();
    const accepted = await gateway.api.postNotification({ targets: [{ tenantId: options.tenantId, scope: 'all' }], message: { text: `Bench ${tag}` } });
    const answerInMs = performance.now() - started;
    if (accepted.status !== 202 || accepted.body?.id === undefined) throw new Error(`the broadcast was refused: ${accepted.status} ${accepted.text.slice(0, 200)}`);
    const id = accepted.body.id;

    let fullyEnqueuedInMs: number | null = null;
    let queued = 0;
    let lastProgressAt = performance.now();
    let watchedInMs = 0;
    const deadline = started + options.deadlineInSeconds * 1000;
    for (;;) {
      await sleep(pollIntervalInMs);
      const status = await gateway.api.notificationStatus(id);
      const now = performance.now();
      watchedInMs = now - started;
      const fanOutQueued = (status.fanOut ?? []).reduce((sum, f) => sum + f.deliveries, 0);
      if (fanOutQueued > queued) {
        queued = fanOutQueued;
        lastProgressAt = now;
      }
      if (allFanOutsDone(status)) {
        fullyEnqueuedInMs = watchedInMs;
        break;
      }
      if (now - lastProgressAt > stallTimeoutInMs) {
        notes.push(
          queued === 0
            ? `the fan-out did not start within ${stallTimeoutInMs / 1000} s: its pages run as queue messages, and no function serves the queue`
            : `the fan-out stalled at ${queued} deliveries`,
        );
        break;
      }
      if (now > deadline) {
        const rate = queued / (watchedInMs / 1000);
        const projected = rate > 0 ? ` (at that pace all ${options.conversations} take about ${Math.round(options.conversations / rate)} s)` : '';
        notes.push(`not done within ${options.deadlineInSeconds} s: ${queued} of ${options.conversations} queued${projected}`);
        break;
      }
    }
    const gatewayAfter = gateway.sample();
    const azuriteAfter = stack.azuriteSample();
    const tableRoundTrips = countsBetween(tablesBefore, stack.tableRequests.snapshot());
    if (fullyEnqueuedInMs !== null && queued !== options.conversations) notes.push(`queued ${queued} deliveries for ${options.conversations} conversations`);
    return {
      conversations: options.conversations,
      seedInSeconds: options.seedInSeconds,
      answerInMs,
      fullyEnqueuedInMs,
      pollIntervalInMs,
      deadlineInSeconds: options.deadlineInSeconds,
      deliveriesQueued: queued,
      enqueuedPerSecond: watchedInMs > 0 ? queued / (watchedInMs / 1000) : null,
      gatewayCpuSeconds: gatewayBefore === undefined || gatewayAfter === undefined ? null : gatewayAfter.cpuSeconds - gatewayBefore.cpuSeconds,
      azuriteCpuSeconds: azuriteBefore === undefined || azuriteAfter === undefined ? null : azuriteAfter.cpuSeconds - azuriteBefore.cpuSeconds,
      peakRssBytes: gatewayAfter?.peakRssBytes ?? null,
      tableRoundTrips,
      tableRoundTripsPerQueuedDelivery: queued > 0 ? tableRoundTrips.requests / queued : null,
      notes,
    };
  } finally {
    await gateway.stop();
  }
}
