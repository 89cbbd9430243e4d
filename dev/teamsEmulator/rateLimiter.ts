/** One of Teams' rate-limit windows: at most `limit` operations in any `periodInSeconds`. */
export interface RateWindow {
  limit: number;
  periodInSeconds: number;
}

export type RateDecision =
  | { allowed: true }
  | { allowed: false; window: RateWindow; retryAfterInMs: number; retryAfterInSeconds: number };

/** Keys idle for longer than the longest window are forgotten every this many acquisitions. */
const sweepEvery = 4096;

/**
 * Sliding-window counters per key (a conversation, a tenant), several windows at once, as Teams enforces them
 * (7 per 1 s AND 8 per 2 s AND 60 per 30 s AND 1800 per hour). Time comes in as an argument, so tests pin it.
 * Written by hand: the limiter libraries on npm enforce one window per key and do not say how long to wait for
 * the window that was hit, which is what Retry-After must carry. Refused attempts are not counted, so a client
 * that honours Retry-After gets through when it comes back.
 */
export class SlidingWindowRateLimiter {
  private readonly timestampsByKey = new Map<string, number[]>();
  private windows: readonly RateWindow[] = [];
  private longestPeriodInMs = 0;
  private acquisitions = 0;

  constructor(windows: readonly RateWindow[]) {
    this.setWindows(windows);
  }

  setWindows(windows: readonly RateWindow[]): void {
    this.windows = windows.map((w) => ({ ...w }));
    this.longestPeriodInMs = Math.max(0, ...windows.map((w) => w.periodInSeconds * 1000));
  }

  getWindows(): readonly RateWindow[] {
    return this.windows;
  }

  /** Counts one operation for `key` at `nowInMs` if every window allows it; otherwise says how long to wait. */
  tryAcquire(key: string, nowInMs: number): RateDecision {
    if (this.windows.length === 0) return { allowed: true };
    if (++this.acquisitions % sweepEvery === 0) this.sweep(nowInMs);

    let timestamps = this.timestampsByKey.get(key);
    if (timestamps === undefined) {
      timestamps = [];
      this.timestampsByKey.set(key, timestamps);
    }
    dropOlderThan(timestamps, nowInMs - this.longestPeriodInMs);

    let refusal: { window: RateWindow; retryAfterInMs: number } | undefined;
    for (const window of this.windows) {
      const periodInMs = window.periodInSeconds * 1000;
      // A timestamp t is inside the window while t > now - period.
      const firstInside = firstIndexAbove(timestamps, nowInMs - periodInMs);
      const inside = countUpTo(timestamps, nowInMs) - firstInside;
      if (inside < window.limit) continue;
      // One more fits once the (inside - limit + 1) oldest have left the window.
      const leaving = timestamps[firstInside + inside - window.limit] ?? nowInMs;
      const retryAfterInMs = Math.max(1, leaving + periodInMs - nowInMs);
      if (refusal === undefined || retryAfterInMs > refusal.retryAfterInMs) refusal = { window, retryAfterInMs };
    }
    if (refusal !== undefined) {
      return { allowed: false, ...refusal, retryAfterInSeconds: Math.max(1, Math.ceil(refusal.retryAfterInMs / 1000)) };
    }
    insertSorted(timestamps, nowInMs);
    return { allowed: true };
  }

  reset(): void {
    this.timestampsByKey.clear();
  }

  /** Number of keys currently tracked (for tests of the sweep). */
  get trackedKeys(): number {
    return this.timestampsByKey.size;
  }

  private sweep(nowInMs: number): void {
    const horizon = nowInMs - this.longestPeriodInMs;
    for (const [key, timestamps] of this.timestampsByKey) {
      const newest = timestamps[timestamps.length - 1];
      if (newest === undefined || newest <= horizon) this.timestampsByKey.delete(key);
    }
  }
}

/** Index of the first timestamp strictly greater than `value` (timestamps ascending). */
function firstIndexAbove(timestamps: readonly number[], value: number): number {
  let low = 0;
  let high = timestamps.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((timestamps[middle] ?? 0) > value) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** How many timestamps are <= `value` (a pinned clock may move backwards in tests). */
function countUpTo(timestamps: readonly number[], value: number): number {
  return firstIndexAbove(timestamps, value);
}

function dropOlderThan(timestamps: number[], horizon: number): void {
  const keepFrom = firstIndexAbove(timestamps, horizon);
  if (keepFrom > 0) timestamps.splice(0, keepFrom);
}

function insertSorted(timestamps: number[], value: number): void {
  const last = timestamps[timestamps.length - 1];
  if (last === undefined || last <= value) timestamps.push(value);
  else timestamps.splice(firstIndexAbove(timestamps, value), 0, value);
}
