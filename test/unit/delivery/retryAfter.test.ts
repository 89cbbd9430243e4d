import fc from 'fast-check';

import { maxRetryAfterInMs, parseHttpDate, parseRetryAfter } from '../../../shared/delivery/retryAfter';

const now = new Date('2026-03-10T12:00:00.000Z');

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['1', 1_000],
    ['120', 120_000],
    [' 3 ', 3_000],
    ['1.5', 1_500],
    ['0.0001', 1],
    ['86400', 86_400_000],
  ])('delta-seconds %j → %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([
    ['Tue, 10 Mar 2026 12:00:30 GMT', 30_000],
    ['Tuesday, 10-Mar-26 12:01:00 GMT', 60_000],
    ['Tue Mar 10 12:00:05 2026', 5_000],
    ['Sun Mar  1 00:00:00 2026', 0],
    ['Tue, 10 Mar 2026 12:00:00 GMT', 0],
    // A date already past means "now", not "never".
    ['Tue, 10 Mar 2026 11:59:00 GMT', 0],
    ['Thu, 01 Jan 1970 00:00:00 GMT', 0],
  ])('HTTP-date %j → %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([
    [undefined],
    [null],
    [''],
    ['   '],
    ['-5'],
    ['-0.5'],
    ['abc'],
    ['5s'],
    ['1e3'],
    ['0x10'],
    ['1.'],
    ['Infinity'],
    ['NaN'],
    ['86401'],
    ['99999999999999999999999'],
    ['Tue, 31 Feb 2026 12:00:00 GMT'],
    ['Tue, 10 Mar 2026 25:00:00 GMT'],
    ['Tue, 10 Mar 2026 12:00:00 UTC'],
    ['Tue, 10 Mar 2026 12:00:00'],
    ['2026-03-10T12:00:30Z'],
    ['Wed, 11 Mar 2026 12:00:01 GMT'],
  ])('rejects %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });

  it('reads RFC 850 two-digit years into the right century', () => {
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Friday, 10-Mar-28 12:00:00 GMT', now)).toBe(Date.UTC(2028, 2, 10, 12, 0, 0));
  });

  it('property: whole seconds up to the bound are read exactly, beyond it not at all', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * 86_400 }), (seconds) => {
        const parsed = parseRetryAfter(String(seconds), now);
        expect(parsed).toBe(seconds * 1000 <= maxRetryAfterInMs ? seconds * 1000 : undefined);
      }),
    );
  });

  it('property: an IMF-fixdate ahead of now is read as the difference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400 }), (seconds) => {
        const header = new Date(now.getTime() + seconds * 1000).toUTCString();
        expect(parseRetryAfter(header, now)).toBe(seconds * 1000);
      }),
    );
  });

  it('property: never throws and never returns a negative or non-finite wait', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const parsed = parseRetryAfter(value, now);
        if (parsed !== undefined) {
          expect(Number.isFinite(parsed)).toBe(true);
          expect(parsed).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});
