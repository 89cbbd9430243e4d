import fc from 'fast-check';

import { backoffCeiling, backoffDelay, clampUnit } from '../../../shared/delivery/backoffDelay';

const settings = { backoffBaseInMs: 1_000, backoffMaxInMs: 300_000 };

describe('backoffDelay', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [8, 128_000],
    [9, 256_000],
    [10, 300_000],
    [1_000, 300_000],
  ])('attempt %i with random 1 waits the full ceiling %i ms', (attempt, ceiling) => {
    expect(backoffDelay(attempt, settings, () => 1)).toBe(ceiling);
    expect(backoffCeiling(attempt, settings)).toBe(ceiling);
  });

  it.each([1, 2, 10, 1_000])('attempt %i with random 0 retries at once (full jitter)', (attempt) => {
    expect(backoffDelay(attempt, settings, () => 0)).toBe(0);
  });

  it('scales linearly with the random draw', () => {
    expect(backoffDelay(3, settings, () => 0.5)).toBe(2_000);
    expect(backoffDelay(3, settings, () => 0.25)).toBe(1_000);
  });

  it('clamps draws outside [0, 1] and NaN', () => {
    expect(backoffDelay(2, settings, () => 7)).toBe(2_000);
    expect(backoffDelay(2, settings, () => -3)).toBe(0);
    expect(backoffDelay(2, settings, () => Number.NaN)).toBe(0);
    expect(clampUnit(Number.POSITIVE_INFINITY)).toBe(1);
  });

  it('treats attempts below 1 as the first and never overflows', () => {
    expect(backoffCeiling(0, settings)).toBe(1_000);
    expect(backoffCeiling(-5, settings)).toBe(1_000);
    expect(backoffCeiling(Number.MAX_SAFE_INTEGER, { backoffBaseInMs: 1, backoffMaxInMs: Number.MAX_SAFE_INTEGER })).toBe(2 ** 40);
  });

  it('is 0 for a zero or negative base or cap', () => {
    expect(backoffDelay(5, { backoffBaseInMs: 0, backoffMaxInMs: 1_000 }, () => 1)).toBe(0);
    expect(backoffDelay(5, { backoffBaseInMs: 1_000, backoffMaxInMs: -1 }, () => 1)).toBe(0);
  });

  it('property: always a whole number in [0, min(cap, base × 2^(attempt−1))]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10, max: 10_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, backoffBaseInMs, backoffMaxInMs, draw) => {
          const delay = backoffDelay(attempt, { backoffBaseInMs, backoffMaxInMs }, () => draw);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(backoffMaxInMs);
          if (backoffBaseInMs === 0) expect(delay).toBe(0);
          else expect(delay).toBeLessThanOrEqual(backoffBaseInMs * 2 ** Math.max(0, attempt - 1));
        },
      ),
    );
  });

  it('property: the ceiling never shrinks as attempts grow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000_000 }), (attempt, base, cap) => {
        const s = { backoffBaseInMs: base, backoffMaxInMs: cap };
        expect(backoffCeiling(attempt + 1, s)).toBeGreaterThanOrEqual(backoffCeiling(attempt, s));
      }),
    );
  });
});
