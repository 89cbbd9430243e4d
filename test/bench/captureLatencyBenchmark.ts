import { setTimeout as sleep } from 'node:timers/promises';

import { devBot } from '../../dev/devIdentity';
import { ensureEmulatorCa } from '../../dev/emulatorCa';
import { ChannelTokenIssuer } from '../../dev/teamsEmulator/channelTokenIssuer';
import { loadEmulatorKeyMaterial } from '../../dev/teamsEmulator/emulatorKeyMaterial';
import { inboundActivities } from '../../dev/teamsEmulator/inboundActivities';
import { MessageIdClock } from '../../dev/teamsEmulator/teamsIds';
import { mapWithConcurrency } from '../../shared/mapWithConcurrency';
import { type CaptureFigure } from './benchReport';
import { type BenchStack } from './benchStack';
import { emulatedConversation } from './conversationSeeder';
import { type CreatedConversation } from './emulatorControl';

/** Bot Framework abandons a bot's answer after 15 s (the user then sees the bot as failing). */
export const botFrameworkBudgetInMs = 15_000;

/** Requests in flight beyond which the bench stops adding load (it would only measure its own queue). */
const maxInFlight = 1_000;

interface CaptureOptions {
  ratePerSecond: number;
  seconds: number;
  gatewayEnv: Readonly<Record<string, string>>;
}

/**
 * Figure 4: `/api/messages` latency under steady load. Users' messages in the seeded conversations, shaped and
 * signed as the Bot Connector sends them (the emulator's activity builder and channel signing key, in this
 * process, so the emulator process stays idle), sent open-loop at a fixed rate: a slow answer does not delay
 * the next arrival, as with real traffic. Every request stores the conversation reference (table writes).
 */
export async function runCaptureBenchmark(stack: BenchStack, conversations: readonly CreatedConversation[], options: CaptureOptions, log: (line: string) => void): Promise<CaptureFigure> {
  if (conversations.length === 0) throw new Error('no conversations to send user messages from');
  const keys = await loadEmulatorKeyMaterial(await ensureEmulatorCa());
  const tokens = new ChannelTokenIssuer(keys, devBot.appId, Date.now);
  const messageIds = new MessageIdClock();
  const gateway = await stack.startGateway('capture', options.gatewayEnv);
  try {
    const url = `${gateway.api.url}/api/messages`;
    const post = async (index: number): Promise<{ status: number; latencyInMs: number }> => {
      const created = conversations[index % conversations.length] as CreatedConversation;
      const activity = inboundActivities.message(emulatedConversation(created), created.bot, `capture ${index}`, messageIds.next(Date.now()), new Date());
      const started = performance.now();
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${tokens.tokenFor(created.serviceUrl)}`,
            'content-type': 'application/json; charset=utf-8',
            'x-ms-conversation-id': created.conversationId,
            'x-ms-tenant-id': created.tenantId,
          },
          body: JSON.stringify(activity),
          signal: AbortSignal.timeout(botFrameworkBudgetInMs),
        });
        await response.arrayBuffer();
        return { status: response.status, latencyInMs: performance.now() - started };
      } catch {
        return { status: 0, latencyInMs: performance.now() - started };
      }
    };

    // Warm-up, as a gateway that has been running is: OpenID keys fetched, the code hot, and one user message
    // already seen in each conversation (the first turns installationAdded into userActivity, a write of the
    // index rows too; repeated messages are then the reference write alone, conversationIndexRows.ts).
    const first = await post(0);
    if (first.status === 404) throw new Error('POST /api/messages is not served by the local host (404)');
    const warmUps = Math.max(5, conversations.length);
    await mapWithConcurrency(Array.from({ length: warmUps - 1 }, (_, i) => i + 1), 8, post);

    const total = Math.max(1, Math.round(options.ratePerSecond * options.seconds));
    const intervalInMs = 1000 / options.ratePerSecond;
    const results: Promise<{ status: number; latencyInMs: number }>[] = [];
    let inFlight = 0;
    let skipped = 0;
    const cpuBefore = gateway.sample();
    const startedAt = performance.now();
    log(`capture: ${total} signed activities at ${options.ratePerSecond}/s...`);
    for (let i = 0; i < total; i++) {
      const due = startedAt + i * intervalInMs;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      if (inFlight >= maxInFlight) {
        skipped += 1;
        continue;
      }
      inFlight += 1;
      results.push(
        post(i + warmUps).finally(() => {
          inFlight -= 1;
        }),
      );
    }
    const settled = await Promise.all(results);
    const elapsedInMs = performance.now() - startedAt;
    const cpuAfter = gateway.sample();

    const latencies = settled.map((r) => r.latencyInMs).sort((a, b) => a - b);
    const errors: Record<string, number> = {};
    for (const result of settled) if (result.status !== 200) errors[String(result.status)] = (errors[String(result.status)] ?? 0) + 1;
    if (skipped > 0) errors['not sent (bench overloaded)'] = skipped;
    const cpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? null : cpuAfter.cpuSeconds - cpuBefore.cpuSeconds;
    return {
      requests: settled.length,
      ok: settled.filter((r) => r.status === 200).length,
      errors,
      targetRatePerSecond: options.ratePerSecond,
      achievedRatePerSecond: settled.length / (elapsedInMs / 1000),
      p50InMs: percentile(latencies, 0.5),
      p90InMs: percentile(latencies, 0.9),
      p99InMs: percentile(latencies, 0.99),
      maxInMs: latencies[latencies.length - 1] ?? Number.NaN,
      budgetInMs: botFrameworkBudgetInMs,
      peakRssBytes: gateway.sample()?.peakRssBytes ?? null,
      cpuSecondsPer1000Requests: cpuSeconds === null ? null : (cpuSeconds / settled.length) * 1000,
    };
  } finally {
    await gateway.stop();
  }
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sortedAscending: readonly number[], fraction: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.min(sortedAscending.length, Math.max(1, Math.ceil(fraction * sortedAscending.length)));
  return sortedAscending[rank - 1] ?? Number.NaN;
}
