import fc from 'fast-check';

import { countsAt, extraHoldMargin, fairParts, leaseRateShare, nextRiseAfter, occupancyAt, rateAt, type RateShare, type RateSharePolicy } from '../../../shared/delivery/tenantRateShares';

const policy: RateSharePolicy = { windowInMs: 1_005, shareTtlInMs: 1_250, arrivalLagInMs: 250 };
const t0 = 1_800_000_000_000;
const idle = { count: 0, countsUntil: t0 };

/** The most the parts in the row occupy together at any moment from `from` on (checked at every ms boundary that matters). */
function peakOccupancy(shares: Record<string, RateShare>, from: number): number {
  const points = new Set<number>([from]);
  for (const share of Object.values(shares)) {
    for (const t of [share.until, share.until + policy.windowInMs + policy.arrivalLagInMs, share.priorUntil + policy.arrivalLagInMs, ...share.steps.map(([at]) => at)]) {
      if (t >= from) points.add(t);
    }
  }
  let peak = 0;
  for (const t of points) peak = Math.max(peak, Object.values(shares).reduce((sum, share) => sum + occupancyAt(share, t, policy), 0));
  return peak;
}

describe('fairParts', () => {
  const parts = (limit: number, wants: Record<string, number>): Record<string, number> => Object.fromEntries(fairParts(limit, new Map(Object.entries(wants))));

  it('gives small wants what they ask and splits the rest among the larger ones, whole requests adding up to the limit', () => {
    expect(parts(50, { a: 5, b: 40, c: 40 })).toEqual({ a: 5, b: 23, c: 22 });
    expect(parts(50, { a: 20, b: 20, c: 20, d: 30 })).toEqual({ a: 13, b: 12, c: 12, d: 13 });
  });

  it('gives the extra requests to the largest wants (the most waiting), ties by id', () => {
    expect(parts(50, { d: 50, a: 16, b: 16, c: 16 })).toEqual({ a: 13, b: 12, c: 12, d: 13 });
    expect(parts(50, { b: 16, a: 16, c: 16, d: 16 })).toEqual({ a: 13, b: 13, c: 12, d: 12 });
  });

  it('leaves an extra request with the instance that holds it unless another wants more than extraHoldMargin more', () => {
    const holding = new Map(Object.entries({ a: 13, b: 13, c: 12, d: 12 }));
    // c wants more, but within the margin: a and b keep theirs (an extra given to c stays held by b until b renews).
    expect(Object.fromEntries(fairParts(50, new Map(Object.entries({ a: 20, b: 20, c: 20 + extraHoldMargin, d: 20 })), holding))).toEqual({ a: 13, b: 13, c: 12, d: 12 });
    // c holds many more copies than b (it took more of the broadcast's first ones): it takes b's extra.
    expect(Object.fromEntries(fairParts(50, new Map(Object.entries({ a: 20, b: 20, c: 21 + extraHoldMargin, d: 20 })), holding))).toEqual({ a: 13, b: 12, c: 13, d: 12 });
    // Holding 13 when the level is 12.5 is holding an extra; a part at or below the level's floor is not.
    expect(Object.fromEntries(fairParts(50, new Map(Object.entries({ a: 20, b: 20, c: 30, d: 20 })), new Map(Object.entries({ a: 12, b: 13, c: 12, d: 12 }))))).toEqual({ a: 12, b: 13, c: 13, d: 12 });
  });

  it('keeps what nobody wants free among several, and gives it all to a lone instance', () => {
    expect(parts(50, { a: 10, b: 20 })).toEqual({ a: 10, b: 20 });
    expect(parts(50, { a: 10 })).toEqual({ a: 50 });
  });
});

describe('leaseRateShare', () => {
  it('gives a lone instance what it wants with its first part, and the whole limit once it renews alone', () => {
    const first = leaseRateShare({}, 50, policy, t0, { instance: 'a', want: 10, footprint: idle });
    expect(first.share.steps).toEqual([[t0, 10]]);
    expect(first.share.until).toBe(t0 + policy.shareTtlInMs);
    const renewed = leaseRateShare(first.shares, 50, policy, t0 + 250, { instance: 'a', want: 10, footprint: { count: 3, countsUntil: t0 + 1_255 } });
    expect(renewed.share.steps).toEqual([[t0 + 250, 50]]);
  });

  it('lets instances starting on one broadcast a few ms apart all send at once: the first does not take the whole limit', () => {
    const a = leaseRateShare({}, 50, policy, t0, { instance: 'a', want: 14, footprint: idle });
    const b = leaseRateShare(a.shares, 50, policy, t0 + 5, { instance: 'b', want: 14, footprint: idle });
    const c = leaseRateShare(b.shares, 50, policy, t0 + 10, { instance: 'c', want: 50, footprint: idle });
    expect([rateAt(a.share, t0 + 10), rateAt(b.share, t0 + 10), rateAt(c.share, t0 + 10)]).toEqual([14, 14, 22]);
    expect(peakOccupancy(c.shares, t0 + 10)).toBeLessThanOrEqual(50);
  });

  it('asks for an even split at least while its demand is younger than a window and others are on the row; alone, or later, as it wants', () => {
    const a = leaseRateShare({}, 50, policy, t0, { instance: 'a', want: 6, footprint: idle, early: true });
    expect(a.share.want).toBe(6);
    const b = leaseRateShare(a.shares, 50, policy, t0 + 5, { instance: 'b', want: 6, footprint: idle, early: true });
    expect(b.share.want).toBe(25);
    const c = leaseRateShare(b.shares, 50, policy, t0 + 10, { instance: 'c', want: 6, footprint: idle });
    expect(c.share.want).toBe(6);
    expect(peakOccupancy(c.shares, t0 + 10)).toBeLessThanOrEqual(50);
  });

  it('gives a newcomer nothing while another part fills the limit, and its fair part from when that part stops counting', () => {
    const first = leaseRateShare({}, 50, policy, t0, { instance: 'a', want: 50, footprint: idle });
    const second = leaseRateShare(first.shares, 50, policy, t0 + 100, { instance: 'b', want: 50, footprint: idle });
    expect(rateAt(second.share, t0 + 100)).toBe(0);
    // a's part ends at t0 + 1,250 and counts one window and the arrival lag more: b's part ends first.
    expect(nextRiseAfter(second.share, t0 + 100)).toBeUndefined();
  });

  it('divides the limit by the wants once the holder renews, keeping what it sent in the last window until it ages out', () => {
    const a1 = leaseRateShare({}, 50, policy, t0, { instance: 'a', want: 50, footprint: idle });
    const b1 = leaseRateShare(a1.shares, 50, policy, t0 + 100, { instance: 'b', want: 50, footprint: idle });
    const a2 = leaseRateShare(b1.shares, 50, policy, t0 + 1_000, { instance: 'a', want: 50, footprint: { count: 40, countsUntil: t0 + 1_900 } });
    expect(rateAt(a2.share, t0 + 1_000)).toBe(25);
    const b2 = leaseRateShare(a2.shares, 50, policy, t0 + 1_100, { instance: 'b', want: 50, footprint: idle });
    // a's 40 requests count until 1,900 + the lag: b gets 10 now, 25 from then.
    expect(b2.share.steps).toEqual([
      [t0 + 1_100, 10],
      [t0 + 2_150, 25],
    ]);
    expect(peakOccupancy(b2.shares, t0 + 1_100)).toBeLessThanOrEqual(50);
  });

  it('keeps four busy instances at the whole limit together while their wants wobble from renewal to renewal', () => {
    // Four instances renewing in turn every 600 ms (each every 2.4 s), their wants (demand with headroom) moving
    // between 20 and 28 as they do in a broadcast; each holds back its requests from then on as its part allows.
    let shares: Record<string, RateShare> = {};
    const ids = ['a', 'b', 'c', 'd'];
    const validForInMs = 2_600;
    for (const [n, id] of ids.entries()) shares = leaseRateShare(shares, 50, policy, t0 + n * 600, { instance: id, want: 20, footprint: idle, validForInMs }).shares;
    const sums: number[] = [];
    for (let round = 0; round < 40; round++) {
      const now = t0 + 2_400 + round * 600;
      const id = ids[round % 4] as string;
      const want = 20 + ((round * 5) % 9);
      const held = shares[id] as RateShare;
      shares = leaseRateShare(shares, 50, policy, now, { instance: id, want, footprint: { count: rateAt(held, now - 1), countsUntil: now + policy.windowInMs }, validForInMs }).shares;
      if (round >= 4) sums.push(ids.reduce((sum, other) => sum + rateAt(shares[other] as RateShare, now + 300), 0));
      expect(peakOccupancy(shares, now)).toBeLessThanOrEqual(50);
    }
    expect(Math.min(...sums)).toBe(50);
  });

  it('drops parts that no longer count', () => {
    const a = leaseRateShare({}, 50, policy, t0, { instance: 'a', want: 50, footprint: idle });
    expect(countsAt(a.share, t0 + 2_000, policy)).toBe(true);
    const later = t0 + policy.shareTtlInMs + policy.windowInMs + policy.arrivalLagInMs;
    expect(countsAt(a.share, later, policy)).toBe(false);
    const b = leaseRateShare(a.shares, 50, policy, later, { instance: 'b', want: 50, footprint: idle });
    expect(Object.keys(b.shares)).toEqual(['b']);
    expect(rateAt(b.share, later)).toBe(50);
  });

  it('never lets the parts in the row occupy more than the limit at any moment, whatever the instances ask and when', () => {
    const lease = fc.record({
      instance: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      afterInMs: fc.integer({ min: 0, max: 1_500 }),
      want: fc.integer({ min: 0, max: 60 }),
      limit: fc.integer({ min: 10, max: 50 }),
    });
    fc.assert(
      fc.property(fc.array(lease, { minLength: 1, maxLength: 40 }), (leases) => {
        let shares: Record<string, RateShare> = {};
        let now = t0;
        // The limit only drops (a 429) or stays within one run; parts leased at a higher one may exceed a lower one until they end.
        const limit = Math.min(...leases.map((l) => l.limit));
        for (const { instance, afterInMs, want } of leases) {
          now += afterInMs;
          // What it claims it sent (its prior) must be within what its previous part occupied over the window the claim lasts.
          const previous = shares[instance];
          const claimEnd = now + policy.windowInMs + policy.arrivalLagInMs;
          const claimPoints = previous === undefined ? [] : [now, previous.until, previous.until + policy.windowInMs + policy.arrivalLagInMs, previous.priorUntil + policy.arrivalLagInMs, ...previous.steps.map(([at]) => at)].filter((t) => t >= now && t < claimEnd);
          const count = previous === undefined ? 0 : Math.min(...claimPoints.map((t) => occupancyAt(previous, t, policy)));
          const footprint = { count, countsUntil: now + policy.windowInMs };
          shares = leaseRateShare(shares, limit, policy, now, { instance, want, footprint }).shares;
          if (peakOccupancy(shares, now) > limit) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
