import { parseRetryAfter } from '../../../shared/connector/retryAfterHeader';

const now = new Date('2026-03-01T08:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['3', 3_000],
    ['0', 0],
    [' 120 ', 120_000],
    ['1.5', 1_500],
  ])('reads delta-seconds %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 08:00:10 GMT', now)).toBe(10_000);
  });

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 07:59:00 GMT', now)).toBe(0);
  });

  it.each([undefined, null, '', 'soon', '-5', '10s', '12:00', 'Mon, 99 Foo 2026'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
