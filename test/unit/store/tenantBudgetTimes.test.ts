import fc from 'fast-check';

import { decodeTimes, encodeTimes } from '../../../shared/store/tableTenantBudgetStore';

describe('tenant budget row: granted slot times', () => {
  it('round-trip as base-36 offsets from the first', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }), { maxLength: 120 }), (times) => {
        const sorted = [...times].sort((a, b) => a - b);
        expect(decodeTimes(encodeTimes(sorted))).toEqual(sorted);
      }),
    );
  });

  it('stay short: a full window of 50 slots is a few hundred characters', () => {
    const times = Array.from({ length: 50 }, (_, i) => 1_800_000_000_000 + i * 20);
    expect(encodeTimes(times).length).toBeLessThan(200);
  });

  it('read anything unreadable as no slots', () => {
    expect(decodeTimes('')).toEqual([]);
    expect(decodeTimes('garbage')).toEqual([]);
  });
});
