/**
 * A sorted log of booked send times with sliding-window limits ("at most `limit` sends in any `windowInMs`"),
 * answering "what is the earliest time at or after t a send may be booked?". Windows are half-open: a send
 * exactly `windowInMs` before another no longer shares its window. Bookings may lie in the future and be
 * made out of order (one conversation waits for its own limit while another uses the tenant's capacity
 * now), so the check looks at windows on both sides of t; each check costs O(events near t), at most
 * about 2 × limit.
 */
export interface RateLimit {
  limit: number;
  windowInMs: number;
}

export class SlidingWindowLog {
  /** Ascending; equal times allowed. */
  private readonly times: number[] = [];

  get size(): number {
    return this.times.length;
  }

  /** The latest booking, or -Infinity when empty. */
  get latest(): number {
    return this.times[this.times.length - 1] ?? Number.NEGATIVE_INFINITY;
  }

  /** Books a send at t; the caller has checked it with earliestAllowed. */
  book(t: number): void {
    this.times.splice(upperBound(this.times, t), 0, t);
  }

  /** Takes back one booking at exactly t (a copy handing back its slot); false when there is none. */
  unbook(t: number): boolean {
    const index = lowerBound(this.times, t);
    if (this.times[index] !== t) return false;
    this.times.splice(index, 1);
    return true;
  }

  /** Whether a booking at exactly t is held. */
  has(t: number): boolean {
    return this.times[lowerBound(this.times, t)] === t;
  }

  /** Forgets bookings at or before t; they cannot share a window with any time after t + window. */
  forgetThrough(t: number): void {
    const count = upperBound(this.times, t);
    if (count > 0) this.times.splice(0, count);
  }

  /** The most bookings any window (x − windowInMs, x] holds for x ≥ from: what this log may still count at some moment from then on. */
  peakFrom(from: number, windowInMs: number): number {
    const times = this.times;
    let peak = 0;
    let first = upperBound(times, from - windowInMs);
    for (let last = first; last < times.length; last++) {
      const end = Math.max(from, times[last] as number);
      while ((times[first] as number) <= end - windowInMs) first++;
      peak = Math.max(peak, last - first + 1);
    }
    return peak;
  }

  /** Earliest time ≥ from at which one more booking keeps every window within its limit. */
  earliestAllowed(from: number, limits: readonly RateLimit[]): number {
    let t = from;
    for (;;) {
      let next = t;
      for (const limit of limits) next = Math.max(next, this.earliestFor(t, limit));
      if (next === t) return t;
      t = next;
    }
  }

  /**
   * For one limit: t is blocked by every run of `limit` consecutive bookings spanning less than the window
   * whose window positions could include t, i.e. the run lies inside (t − window, t + window). Each such run
   * blocks t until its first booking leaves the window; jumping to the latest of those is safe because every
   * time before it is blocked by that run.
   */
  private earliestFor(from: number, { limit, windowInMs }: RateLimit): number {
    if (limit < 1) return Number.POSITIVE_INFINITY;
    let t = from;
    for (;;) {
      const lo = upperBound(this.times, t - windowInMs);
      const hi = lowerBound(this.times, t + windowInMs);
      let blockedUntil = t;
      for (let first = lo; first + limit - 1 < hi; first++) {
        const start = this.times[first] as number;
        const end = this.times[first + limit - 1] as number;
        if (end - start < windowInMs) blockedUntil = Math.max(blockedUntil, start + windowInMs);
      }
      if (blockedUntil === t) return t;
      t = blockedUntil;
    }
  }
}

/** Index of the first element > value. */
function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element ≥ value. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
