import { setTimeout as sleep } from 'node:timers/promises';

import { type EmulatorStatsSnapshot } from '../../dev/teamsEmulator/emulatorStats';
import { acceptedSends, connectorRequests, type EmulatorControl, throttledAnswers } from './emulatorControl';
import { runPool } from './workPool';

/** A run's messages as Teams shows them: when each arrived (ms after the run started) and repeats. */
export interface ObservedDeliveries {
  arrivalsInMs: number[];
  /** Messages of the run that arrived more than once. */
  repeated: number;
}

/**
 * Reads what every conversation of the run received and keeps the messages whose text carries the run's tag.
 * The emulator stamps each message on arrival, so the timeline is Teams' own, not the sender's view of it.
 */
export async function observeDeliveries(control: EmulatorControl, conversationIds: readonly string[], tag: string, startedAtEpochMs: number): Promise<ObservedDeliveries> {
  const unique = [...new Set(conversationIds)];
  const perConversation = await runPool(unique.length, 16, async (index) => control.activities(unique[index] ?? ''));
  const arrivalsInMs: number[] = [];
  let repeated = 0;
  for (const activities of perConversation) {
    for (const activity of activities) {
      if (typeof activity.text !== 'string' || !activity.text.includes(tag)) continue;
      arrivalsInMs.push(Date.parse(activity.createdAt) - startedAtEpochMs);
      if (activity.receivedCount > 1) repeated += 1;
    }
  }
  arrivalsInMs.sort((a, b) => a - b);
  return { arrivalsInMs, repeated };
}

/** The counts every delivery figure reports, as Teams saw the run. */
export interface DeliveryCounts {
  deliveriesExpected: number;
  /** Distinct messages of this run that Teams (the emulator) shows, counted in its conversations. */
  delivered: number;
  /** Expected but not delivered when the run ended: failed, skipped, or still pending at the deadline. */
  failed: number;
  /** 429s the emulator answered during the run. */
  throttled: number;
  /** Bot Connector API requests during the run (sends, retries, 429s included), and per delivered message. */
  connectorRequests: number;
  connectorRequestsPerDelivery: number | null;
  /** The same message arriving twice: repeats the emulator counted, plus messages of the run that arrived more than once. */
  duplicates: number;
  /** From the run's start (its first request) to the last delivery Teams recorded; null when nothing arrived. */
  timeToLastDeliveryInMs: number | null;
}

/** A run's counts from its arrivals and the emulator's stats taken before and after it. */
export function deliveryCounts(deliveriesExpected: number, observed: ObservedDeliveries, statsBefore: EmulatorStatsSnapshot, statsAfter: EmulatorStatsSnapshot): DeliveryCounts {
  const delivered = observed.arrivalsInMs.length;
  const last = observed.arrivalsInMs[delivered - 1];
  const requests = connectorRequests(statsAfter) - connectorRequests(statsBefore);
  return {
    deliveriesExpected,
    delivered,
    failed: deliveriesExpected - delivered,
    throttled: throttledAnswers(statsAfter) - throttledAnswers(statsBefore),
    connectorRequests: requests,
    connectorRequestsPerDelivery: delivered === 0 ? null : requests / delivered,
    duplicates: statsAfter.duplicates - statsBefore.duplicates + observed.repeated,
    timeToLastDeliveryInMs: last === undefined ? null : Math.max(1, last),
  };
}

export interface SendProgressOptions {
  /** Accepted Connector sends before the run started (emulator stats). */
  acceptedBefore: number;
  expected: number;
  /** Give up when nothing new arrived for this long (longer than Teams' 30 s window, which a paced sender may wait out). */
  stallTimeoutInMs: number;
  deadlineEpochMs: number;
  pollIntervalInMs?: number;
}

export type SendProgress = { kind: 'complete'; atEpochMs: number } | { kind: 'stalled' | 'deadline'; atEpochMs: number; accepted: number };

/** Waits until the emulator has accepted `expected` more sends, watching its stats (the gateway is not asked). */
export async function waitForSends(control: EmulatorControl, options: SendProgressOptions): Promise<SendProgress> {
  const poll = options.pollIntervalInMs ?? 200;
  let lastCount = 0;
  let lastProgressAt = Date.now();
  for (;;) {
    const accepted = acceptedSends(await control.stats()) - options.acceptedBefore;
    const now = Date.now();
    if (accepted >= options.expected) return { kind: 'complete', atEpochMs: now };
    if (accepted > lastCount) {
      lastCount = accepted;
      lastProgressAt = now;
    }
    if (now - lastProgressAt > options.stallTimeoutInMs) return { kind: 'stalled', atEpochMs: now, accepted };
    if (now > options.deadlineEpochMs) return { kind: 'deadline', atEpochMs: now, accepted };
    await sleep(poll);
  }
}
