import { type RateWindow } from '../../dev/teamsEmulator/rateLimiter';

/** The limits a schedule must respect: Teams' per conversation windows and per tenant windows, all at once. */
export interface CeilingLimits {
  conversation: readonly RateWindow[];
  tenant: readonly RateWindow[];
}

/** One send the work needs: a message to a conversation of a tenant. */
export interface PlannedSend {
  conversationId: string;
  tenantId: string;
}

export interface IdealSchedule {
  /** When each send could go out at the earliest, ascending, in ms from the first (which is at 0). */
  sendTimesInMs: number[];
  /** The earliest possible time of the last send: no sender can finish sooner under these limits. */
  lastSendAtInMs: number;
}

/**
 * The best any sender could do: every send at the earliest moment all windows allow it (a timestamp t counts
 * while t > now - period, as the emulator and Teams count). Sending as early as allowed is optimal for sliding
 * windows, so this is the ceiling the throughput figures are a fraction of. Pure; conversations are served in
 * turn so no conversation's backlog hides the tenant's spare capacity.
 */
export function idealSchedule(sends: readonly PlannedSend[], limits: CeilingLimits): IdealSchedule {
  const pending = new Map<string, { tenantId: string; count: number }>();
  for (const send of sends) {
    const entry = pending.get(send.conversationId);
    if (entry === undefined) pending.set(send.conversationId, { tenantId: send.tenantId, count: 1 });
    else entry.count += 1;
  }
  const conversationLogs = new Map<string, number[]>();
  const tenantLogs = new Map<string, number[]>();
  const logOf = (logs: Map<string, number[]>, key: string): number[] => {
    let log = logs.get(key);
    if (log === undefined) logs.set(key, (log = []));
    return log;
  };

  const sendTimesInMs: number[] = [];
  let remaining = sends.length;
  let now = 0;
  while (remaining > 0) {
    let progress = true;
    while (progress) {
      progress = false;
      for (const [conversationId, entry] of pending) {
        if (entry.count === 0) continue;
        const conversationLog = logOf(conversationLogs, conversationId);
        const tenantLog = logOf(tenantLogs, entry.tenantId);
        if (earliestAllowed(conversationLog, limits.conversation, now) > now || earliestAllowed(tenantLog, limits.tenant, now) > now) continue;
        conversationLog.push(now);
        tenantLog.push(now);
        sendTimesInMs.push(now);
        entry.count -= 1;
        remaining -= 1;
        progress = true;
      }
    }
    if (remaining === 0) break;
    let next = Number.POSITIVE_INFINITY;
    for (const [conversationId, entry] of pending) {
      if (entry.count === 0) continue;
      const at = Math.max(
        earliestAllowed(logOf(conversationLogs, conversationId), limits.conversation, now),
        earliestAllowed(logOf(tenantLogs, entry.tenantId), limits.tenant, now),
      );
      next = Math.min(next, at);
    }
    // Unreachable with positive limits; a guard so a zero limit cannot spin forever.
    if (!Number.isFinite(next) || next <= now) throw new Error('idealSchedule: the limits allow no further send');
    now = next;
  }
  return { sendTimesInMs, lastSendAtInMs: sendTimesInMs[sendTimesInMs.length - 1] ?? 0 };
}

/**
 * The earliest time >= now at which one more send fits every window, given the sends so far (ascending, all
 * <= now). Each window allows it from a fixed time on, as no sends are added meanwhile, so it is the maximum.
 */
export function earliestAllowed(log: readonly number[], windows: readonly RateWindow[], now: number): number {
  let earliest = now;
  for (const window of windows) {
    const periodInMs = window.periodInSeconds * 1000;
    const firstInside = firstIndexAbove(log, now - periodInMs);
    const inside = log.length - firstInside;
    if (inside < window.limit) continue;
    const leaving = log[firstInside + inside - window.limit] ?? now;
    earliest = Math.max(earliest, leaving + periodInMs);
  }
  return earliest;
}

function firstIndexAbove(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? 0) > value) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * How close a run came to the limits for what it delivered: the earliest the k-th send of this work could
 * happen, over when the run's k-th delivery did happen (at most 1). A sender that gave up on some messages
 * is judged on those it delivered; its losses are a figure of their own. Null when k sends fit the first instant.
 */
export function shareOfCeiling(ideal: IdealSchedule, delivered: number, timeToLastDeliveryInMs: number | null): number | null {
  const idealTime = ideal.sendTimesInMs[Math.min(delivered, ideal.sendTimesInMs.length) - 1];
  if (idealTime === undefined || idealTime <= 0 || timeToLastDeliveryInMs === null || timeToLastDeliveryInMs <= 0) return null;
  return idealTime / timeToLastDeliveryInMs;
}

/** Sends per whole second from 0: the shape the chart draws for the ideal and the measured runs alike. */
export function perSecondCounts(timesInMs: readonly number[], seconds?: number): number[] {
  const last = timesInMs.reduce((max, t) => Math.max(max, t), 0);
  const length = seconds ?? Math.floor(last / 1000) + 1;
  const counts = new Array<number>(Math.max(0, length)).fill(0);
  for (const t of timesInMs) {
    const second = Math.floor(Math.max(0, t) / 1000);
    if (second < counts.length) counts[second] = (counts[second] ?? 0) + 1;
  }
  return counts;
}
