import { backgroundRetryDelayInMs, planTokenLifetime, tokenFreshness } from '../../../shared/auth/outboundTokenTiming';

const minute = 60_000;
const t0 = Date.parse('2026-01-01T00:00:00Z');

describe('planTokenLifetime', () => {
  it('refreshes a 75-minute token at half-life, long before the 5-minute margin', () => {
    const plan = planTokenLifetime({ expiresOnTimestamp: t0 + 75 * minute }, t0);
    expect(plan.refreshAt).toBe(t0 + 37.5 * minute);
    expect(plan.usableUntil).toBe(t0 + 75 * minute - 30_000);
  });

  it("uses the credential's refreshAfterTimestamp when it gives one", () => {
    const plan = planTokenLifetime({ expiresOnTimestamp: t0 + 90 * minute, refreshAfterTimestamp: t0 + 60 * minute }, t0);
    expect(plan.refreshAt).toBe(t0 + 60 * minute);
  });

  it('never refreshes later than 5 minutes before expiry, whatever the hint says', () => {
    const plan = planTokenLifetime({ expiresOnTimestamp: t0 + 90 * minute, refreshAfterTimestamp: t0 + 89 * minute }, t0);
    expect(plan.refreshAt).toBe(t0 + 85 * minute);
  });

  it('ignores a hint outside the token lifetime', () => {
    const plan = planTokenLifetime({ expiresOnTimestamp: t0 + 60 * minute, refreshAfterTimestamp: t0 - minute }, t0);
    expect(plan.refreshAt).toBe(t0 + 30 * minute);
  });

  it('refreshes a short-lived token (emulator) at half-life and stops serving it a tenth before expiry', () => {
    const plan = planTokenLifetime({ expiresOnTimestamp: t0 + 20_000 }, t0);
    expect(plan.refreshAt).toBe(t0 + 10_000);
    expect(plan.usableUntil).toBe(t0 + 18_000);
  });

  it('treats an already expired token as unusable at once', () => {
    const plan = planTokenLifetime({ expiresOnTimestamp: t0 - 1 }, t0);
    expect(tokenFreshness(plan, t0)).toBe('unusable');
  });
});

describe('tokenFreshness', () => {
  const plan = planTokenLifetime({ expiresOnTimestamp: t0 + 60 * minute }, t0);
  it.each([
    [0, 'fresh'],
    [30 * minute - 1, 'fresh'],
    [30 * minute, 'refreshDue'],
    [59 * minute, 'refreshDue'],
    [60 * minute - 30_000, 'unusable'],
    [61 * minute, 'unusable'],
  ])('at +%i ms is %s', (offset, expected) => {
    expect(tokenFreshness(plan, t0 + offset)).toBe(expected);
  });
});

describe('backgroundRetryDelayInMs', () => {
  it('waits 30 s between failed background refreshes of a long-lived token', () => {
    expect(backgroundRetryDelayInMs(planTokenLifetime({ expiresOnTimestamp: t0 + 60 * minute }, t0))).toBe(30_000);
  });
  it('waits at least 1 s for very short tokens', () => {
    expect(backgroundRetryDelayInMs(planTokenLifetime({ expiresOnTimestamp: t0 + 5_000 }, t0))).toBe(1_000);
  });
});
