import fc from 'fast-check';

import { type RateLimit, SlidingWindowLog } from '../../../shared/delivery/slidingWindowLog';

/** Brute force: the most bookings any half-open window (s − w, s] holds; the maximum is at some booking. */
function maxInAnyWindow(times: readonly number[], windowInMs: number): number {
  let max = 0;
  for (const s of times) max = Math.max(max, times.filter((t) => t > s - windowInMs && t <= s).length);
  return max;
}

describe('SlidingWindowLog', () => {
  const threePerSecond: RateLimit[] = [{ limit: 3, windowInMs: 1_000 }];

  it('allows up to the limit at once, then the next exactly one window after the oldest', () => {
    const log = new SlidingWindowLog();
    for (let i = 0; i < 3; i++) {
      expect(log.earliestAllowed(0, threePerSecond)).toBe(0);
      log.book(0);
    }
    expect(log.earliestAllowed(0, threePerSecond)).toBe(1_000);
    expect(log.earliestAllowed(999, threePerSecond)).toBe(1_000);
    expect(log.earliestAllowed(1_000, threePerSecond)).toBe(1_000);
    expect(log.earliestAllowed(1_001, threePerSecond)).toBe(1_001);
  });

  it('uses the oldest booking of the full run, not the first ever', () => {
    const log = new SlidingWindowLog();
    [0, 400, 800].forEach((t) => log.book(t));
    expect(log.earliestAllowed(800, threePerSecond)).toBe(1_000);
    log.book(1_000);
    // Window (s − 1000, s] for s in [1000, 1400) holds 400, 800, 1000.
    expect(log.earliestAllowed(1_000, threePerSecond)).toBe(1_400);
  });

  it('fits a booking into an earlier gap without breaking windows of later bookings', () => {
    const log = new SlidingWindowLog();
    [1_000, 1_000, 1_000].forEach((t) => log.book(t));
    // 0 shares a window with the three at 1000 only if the window reached back past 0: it does not.
    expect(log.earliestAllowed(0, threePerSecond)).toBe(0);
    // 500 would join them in (0, 1000]: blocked until the run at 1000 leaves, at 2000.
    expect(log.earliestAllowed(500, threePerSecond)).toBe(2_000);
  });

  it('does not count a run that spans exactly one window as full (half-open windows)', () => {
    const log = new SlidingWindowLog();
    [500, 1_000, 1_500].forEach((t) => {
      expect(log.earliestAllowed(t, threePerSecond)).toBe(t);
      log.book(t);
    });
    // (500, 1500] and (0, 1000] each hold three with the newcomer at 1000; no window holds four.
    expect(log.earliestAllowed(1_000, threePerSecond)).toBe(1_000);
    log.book(1_000);
    expect(log.earliestAllowed(1_000, threePerSecond)).toBe(2_000);
  });

  it('satisfies every limit at once', () => {
    const log = new SlidingWindowLog();
    const limits: RateLimit[] = [
      { limit: 2, windowInMs: 100 },
      { limit: 3, windowInMs: 1_000 },
    ];
    const booked: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = log.earliestAllowed(0, limits);
      log.book(t);
      booked.push(t);
    }
    expect(booked).toEqual([0, 0, 100, 1_000, 1_000, 1_100, 2_000]);
  });

  it('blocks forever with a zero limit', () => {
    expect(new SlidingWindowLog().earliestAllowed(5, [{ limit: 0, windowInMs: 1_000 }])).toBe(Number.POSITIVE_INFINITY);
  });

  it('forgets bookings at or before a time', () => {
    const log = new SlidingWindowLog();
    [0, 10, 20, 30].forEach((t) => log.book(t));
    log.forgetThrough(20);
    expect(log.size).toBe(1);
    expect(log.latest).toBe(30);
    log.forgetThrough(100);
    expect(log.latest).toBe(Number.NEGATIVE_INFINITY);
  });

  it('property: bookings at earliestAllowed never exceed a limit in any window, and never precede the request', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 2_000 }),
        (requests, limit, windowInMs) => {
          const log = new SlidingWindowLog();
          const booked: number[] = [];
          for (const from of requests) {
            const t = log.earliestAllowed(from, [{ limit, windowInMs }]);
            expect(t).toBeGreaterThanOrEqual(from);
            log.book(t);
            booked.push(t);
          }
          expect(maxInAnyWindow(booked, windowInMs)).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });

  it('property: the answer is the earliest: one ms earlier would break a window', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 60 }), (requests) => {
        const limit = 3;
        const windowInMs = 1_000;
        const log = new SlidingWindowLog();
        const booked: number[] = [];
        for (const from of requests) {
          const t = log.earliestAllowed(from, [{ limit, windowInMs }]);
          if (t > from) expect(maxInAnyWindow([...booked, t - 1], windowInMs)).toBeGreaterThan(limit);
          log.book(t);
          booked.push(t);
        }
      }),
    );
  });

  it('peakFrom: the most bookings any window ending at or after a time holds, as a brute force counts them', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 60 }), fc.integer({ min: 0, max: 5_000 }), (times, from) => {
        const log = new SlidingWindowLog();
        for (const t of [...times].sort((a, b) => a - b)) log.book(t);
        // Windows (x − 1,000, x] for every x ≥ from: only the ends at a booking (or at `from`) can hold the most.
        const ends = [from, ...times.filter((t) => t >= from)];
        const brute = Math.max(0, ...ends.map((x) => times.filter((t) => t > x - 1_000 && t <= x).length));
        return log.peakFrom(from, 1_000) === brute;
      }),
    );
  });

  it('has: tells a booking at exactly a time from one near it', () => {
    const log = new SlidingWindowLog();
    log.book(100);
    log.book(300);
    expect([log.has(100), log.has(300), log.has(200), log.has(101)]).toEqual([true, true, false, false]);
  });
});
