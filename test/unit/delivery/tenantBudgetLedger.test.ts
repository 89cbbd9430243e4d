import { currentLimit, emptyTenantBudget, recordThrottle, settled, type TenantBudgetPolicy } from '../../../shared/delivery/tenantBudgetLedger';
import { leaseRateShare, rateAt } from '../../../shared/delivery/tenantRateShares';

const policy: TenantBudgetPolicy = {
  ceiling: 50,
  backoffFactor: 0.8,
  recoveryStepInMs: 1_000,
  throttleBurstInMs: 1_000,
  shares: { windowInMs: 1_005, shareTtlInMs: 1_250, arrivalLagInMs: 250 },
};
const t0 = 1_800_000_000_000;
const idle = { count: 0, countsUntil: t0 };

describe('tenant budget ledger: what Teams says', () => {
  it('a 429 cools the tenant down for every instance and takes a fifth off the limit its parts divide', () => {
    const throttled = recordThrottle(emptyTenantBudget, policy, t0, 2_000);
    expect(throttled.coolDownUntil).toBe(t0 + 2_000);
    expect(currentLimit(throttled, policy, t0)).toBe(40);
    const part = leaseRateShare({}, currentLimit(throttled, policy, t0 + 10), policy.shares, t0 + 10, { instance: 'a', want: 50, footprint: idle }).share;
    expect(rateAt(part, t0 + 10)).toBe(40);
  });

  it('the 429s of one burst are one signal: within a second they only extend the cool-down', () => {
    const once = recordThrottle(emptyTenantBudget, policy, t0, 1_000);
    const twice = recordThrottle(once, policy, t0 + 200, 1_500);
    expect(currentLimit(twice, policy, t0 + 200)).toBe(40);
    expect(twice.coolDownUntil).toBe(t0 + 1_700);
    const again = recordThrottle(twice, policy, t0 + 3_000, 1_000);
    expect(currentLimit(again, policy, t0 + 3_000)).toBe(Math.floor(43 * 0.8)); // 40 plus three quiet seconds, then a fifth off
  });

  it('creeps back one request per quiet step, never past the ceiling, and forgets the 429 once back', () => {
    const throttled = recordThrottle(emptyTenantBudget, policy, t0, 1_000);
    expect(currentLimit(throttled, policy, t0 + 4_999)).toBe(44);
    expect(currentLimit(throttled, policy, t0 + 60_000)).toBe(50);
    expect(settled(throttled, policy, t0 + 60_000).throttled).toBeUndefined();
    expect(settled(throttled, policy, t0 + 5_000).throttled).toEqual({ limit: 40, at: t0 });
  });
});
