import { defaultEmulatorLimits } from '../../../dev/teamsEmulator/emulatorLimits';
import { type RateDecision, SlidingWindowRateLimiter } from '../../../dev/teamsEmulator/rateLimiter';

const teamsWindows = defaultEmulatorLimits().conversation;
const t0 = 1_700_000_000_000;

function acquireMany(limiter: SlidingWindowRateLimiter, key: string, count: number, at: number): RateDecision[] {
  return Array.from({ length: count }, () => limiter.tryAcquire(key, at));
}

function refused(decision: RateDecision): Extract<RateDecision, { allowed: false }> {
  if (decision.allowed) throw new Error('expected a refusal');
  return decision;
}

describe('SlidingWindowRateLimiter with Teams per-conversation windows', () => {
  it('allows 7 operations in one second and refuses the 8th, naming the 1 s window', () => {
    const limiter = new SlidingWindowRateLimiter(teamsWindows);
    expect(acquireMany(limiter, 'c', 7, t0).every((d) => d.allowed)).toBe(true);
    const eighth = refused(limiter.tryAcquire('c', t0 + 999));
    expect(eighth.window).toEqual({ limit: 7, periodInSeconds: 1 });
    expect(eighth.retryAfterInMs).toBe(1);
    expect(eighth.retryAfterInSeconds).toBe(1);
  });

  it('lets an operation in exactly when the oldest one leaves the 1 s window', () => {
    const limiter = new SlidingWindowRateLimiter(teamsWindows);
    acquireMany(limiter, 'c', 7, t0);
    expect(limiter.tryAcquire('c', t0 + 999).allowed).toBe(false);
    expect(limiter.tryAcquire('c', t0 + 1000).allowed).toBe(true);
  });

  it('enforces 8 per 2 s after the 1 s window has cleared', () => {
    const limiter = new SlidingWindowRateLimiter(teamsWindows);
    acquireMany(limiter, 'c', 7, t0);
    expect(limiter.tryAcquire('c', t0 + 1000).allowed).toBe(true); // 8th within 2 s
    const ninth = refused(limiter.tryAcquire('c', t0 + 1500));
    expect(ninth.window).toEqual({ limit: 8, periodInSeconds: 2 });
    // The 8-per-2 s window frees a slot when the t0 operations leave it, at t0 + 2000.
    expect(ninth.retryAfterInMs).toBe(500);
    expect(limiter.tryAcquire('c', t0 + 1999).allowed).toBe(false);
    expect(limiter.tryAcquire('c', t0 + 2000).allowed).toBe(true);
  });

  it('enforces 60 per 30 s when sends are paced under the short windows', () => {
    const limiter = new SlidingWindowRateLimiter(teamsWindows);
    // 4 per second stays under 7/1 s and 8/2 s; 15 seconds make 60.
    for (let second = 0; second < 15; second++) {
      expect(acquireMany(limiter, 'c', 4, t0 + second * 1000).every((d) => d.allowed)).toBe(true);
    }
    const sixtyFirst = refused(limiter.tryAcquire('c', t0 + 15_000));
    expect(sixtyFirst.window).toEqual({ limit: 60, periodInSeconds: 30 });
    expect(sixtyFirst.retryAfterInMs).toBe(15_000);
    expect(sixtyFirst.retryAfterInSeconds).toBe(15);
    expect(limiter.tryAcquire('c', t0 + 29_999).allowed).toBe(false);
    expect(limiter.tryAcquire('c', t0 + 30_000).allowed).toBe(true);
  });

  it('enforces 1800 per hour when sends are paced under the other windows', () => {
    const limiter = new SlidingWindowRateLimiter(teamsWindows);
    // 60 per 30 s for 30 periods = 1800 in 900 s.
    for (let period = 0; period < 30; period++) {
      for (let second = 0; second < 15; second++) {
        const decisions = acquireMany(limiter, 'c', 4, t0 + period * 30_000 + second * 1000);
        expect(decisions.every((d) => d.allowed)).toBe(true);
      }
    }
    const next = refused(limiter.tryAcquire('c', t0 + 900_000));
    expect(next.window).toEqual({ limit: 1800, periodInSeconds: 3600 });
    expect(next.retryAfterInMs).toBe(3_600_000 - 900_000);
    expect(limiter.tryAcquire('c', t0 + 3_599_999).allowed).toBe(false);
    expect(limiter.tryAcquire('c', t0 + 3_600_000).allowed).toBe(true);
  });

  it('does not count refused attempts, so a client that waits Retry-After gets in', () => {
    const limiter = new SlidingWindowRateLimiter([{ limit: 2, periodInSeconds: 1 }]);
    acquireMany(limiter, 'c', 2, t0);
    const refusals = acquireMany(limiter, 'c', 50, t0 + 500);
    expect(refusals.every((d) => !d.allowed)).toBe(true);
    expect(limiter.tryAcquire('c', t0 + 1000).allowed).toBe(true);
  });

  it('keeps keys apart (per conversation, per tenant)', () => {
    const limiter = new SlidingWindowRateLimiter([{ limit: 1, periodInSeconds: 1 }]);
    expect(limiter.tryAcquire('a', t0).allowed).toBe(true);
    expect(limiter.tryAcquire('b', t0).allowed).toBe(true);
    expect(limiter.tryAcquire('a', t0).allowed).toBe(false);
  });

  it('reports the longest wait when several windows are exceeded at once', () => {
    const limiter = new SlidingWindowRateLimiter([
      { limit: 2, periodInSeconds: 1 },
      { limit: 2, periodInSeconds: 10 },
    ]);
    acquireMany(limiter, 'c', 2, t0);
    const decision = refused(limiter.tryAcquire('c', t0 + 100));
    expect(decision.window.periodInSeconds).toBe(10);
    expect(decision.retryAfterInSeconds).toBe(10);
  });

  it('rounds Retry-After up to whole seconds', () => {
    const limiter = new SlidingWindowRateLimiter([{ limit: 1, periodInSeconds: 3 }]);
    limiter.tryAcquire('c', t0);
    expect(refused(limiter.tryAcquire('c', t0 + 100)).retryAfterInSeconds).toBe(3);
    expect(refused(limiter.tryAcquire('c', t0 + 2001)).retryAfterInSeconds).toBe(1);
  });

  it('applies new windows at once and allows everything with none', () => {
    const limiter = new SlidingWindowRateLimiter([{ limit: 1, periodInSeconds: 1 }]);
    limiter.tryAcquire('c', t0);
    expect(limiter.tryAcquire('c', t0).allowed).toBe(false);
    limiter.setWindows([{ limit: 3, periodInSeconds: 1 }]);
    expect(limiter.tryAcquire('c', t0).allowed).toBe(true);
    limiter.setWindows([]);
    expect(acquireMany(limiter, 'c', 100, t0).every((d) => d.allowed)).toBe(true);
  });

  it('forgets idle keys once their timestamps are older than the longest window', () => {
    const limiter = new SlidingWindowRateLimiter([{ limit: 10, periodInSeconds: 1 }]);
    for (let i = 0; i < 100; i++) limiter.tryAcquire(`idle-${i}`, t0);
    expect(limiter.trackedKeys).toBe(100);
    // The sweep runs every 4096 acquisitions; these come after the idle keys' window has passed.
    for (let i = 0; i < 4096; i++) limiter.tryAcquire('busy', t0 + 10_000 + i * 1000);
    expect(limiter.trackedKeys).toBe(1);
  });

  it('handles a clock that steps backwards without losing count', () => {
    const limiter = new SlidingWindowRateLimiter([{ limit: 2, periodInSeconds: 1 }]);
    expect(limiter.tryAcquire('c', t0 + 500).allowed).toBe(true);
    expect(limiter.tryAcquire('c', t0).allowed).toBe(true);
    expect(limiter.tryAcquire('c', t0 + 600).allowed).toBe(false);
    expect(limiter.tryAcquire('c', t0 + 1001).allowed).toBe(true);
  });
});
