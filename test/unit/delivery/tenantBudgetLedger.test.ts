import fc from 'fast-check';

import { currentLimit, emptyTenantBudget, leaseSlots, recordThrottle, type TenantBudgetPolicy, type TenantBudgetState } from '../../../shared/delivery/tenantBudgetLedger';

const policy: TenantBudgetPolicy = { ceiling: 50, windowInMs: 1_025, soloWindowInMs: 1_010, sharedForInMs: 2_000, horizonInMs: 1_000, leadInMs: 100, backoffFactor: 0.8, recoveryStepInMs: 1_000 };
const t0 = 1_800_000_000_000;

/** Brute force: the most slots any half-open window (s − w, s] holds. */
function mostInAnyWindow(times: readonly number[], windowInMs: number): number {
  let most = 0;
  for (const s of times) most = Math.max(most, times.filter((t) => t > s - windowInMs && t <= s).length);
  return most;
}

describe('tenant budget ledger: leases', () => {
  it('grants a burst of the ceiling at once, the lead time ahead, then nothing until the window has passed', () => {
    const first = leaseSlots(emptyTenantBudget, policy, t0, 50);
    expect(first.slots).toEqual(Array<number>(50).fill(t0 + 100));
    const second = leaseSlots(first.state, policy, t0 + 10, 10);
    expect(second.slots).toEqual([]);
    expect(second.nextFreeAt).toBe(t0 + 100 + 1_025);
    const later = leaseSlots(first.state, policy, t0 + 1_000, 10);
    expect(later.slots).toEqual(Array<number>(10).fill(t0 + 1_125));
  });

  it('uses the narrower window while one instance leases alone, the wider one while others lease or after a quiet spell', () => {
    const burst = Array<number>(50).fill(t0 + 100);
    // The first lease after a quiet spell keeps the wider window for the slots it grants (a horizon and the lead).
    const first = leaseSlots(emptyTenantBudget, policy, t0, 50, { lessee: 'a' });
    expect(first.state.lessee).toEqual({ id: 'a', at: t0 });
    expect(first.state.sharedUntil).toBe(t0 + 100 + 1_000);
    expect(leaseSlots(first.state, policy, t0 + 10, 1, { lessee: 'a' }).nextFreeAt).toBe(t0 + 100 + 1_025);
    // Alone (it leased last, recently, and nobody else has): the next window opens 1,010 ms after the first.
    const alone: TenantBudgetState = { granted: burst, coolDownUntil: 0, lessee: { id: 'a', at: t0 } };
    expect(leaseSlots(alone, policy, t0 + 10, 1, { lessee: 'a' }).nextFreeAt).toBe(t0 + 100 + 1_010);
    // Another instance leases: shared, for 2 s after its lease, whoever leases next.
    const b = leaseSlots(alone, policy, t0 + 20, 1, { lessee: 'b' });
    expect(b.nextFreeAt).toBe(t0 + 100 + 1_025);
    const bGranted = leaseSlots(alone, policy, t0 + 1_000, 1, { lessee: 'b' });
    expect(bGranted.slots).toEqual([t0 + 100 + 1_025]);
    expect(bGranted.state.sharedUntil).toBe(t0 + 1_000 + 2_000);
    expect(leaseSlots({ ...bGranted.state, lessee: { id: 'a', at: t0 + 1_010 } }, policy, t0 + 1_020, 1, { lessee: 'a' }).state.sharedUntil).toBe(t0 + 3_000);
    // A stale lessee is a quiet spell; a lease that names no instance counts as shared.
    expect(leaseSlots({ ...alone, lessee: { id: 'a', at: t0 - 2_000 } }, policy, t0 + 10, 1, { lessee: 'a' }).nextFreeAt).toBe(t0 + 100 + 1_025);
    expect(leaseSlots(alone, policy, t0 + 10, 1).nextFreeAt).toBe(t0 + 100 + 1_025);
  });

  it('in groups, sends a window’s share early in small groups, then nothing until the window has passed', () => {
    const grouped = { ...policy, groups: { limit: 2, windowInMs: 20 } };
    const lease = leaseSlots(emptyTenantBudget, grouped, t0, 50);
    expect(lease.slots).toEqual(Array.from({ length: 50 }, (_, i) => t0 + 100 + Math.floor(i / 2) * 20));
    expect(leaseSlots(lease.state, grouped, t0 + 10, 1).nextFreeAt).toBe(t0 + 100 + 1_025);
  });

  it('books from the time the waiting sends can use, not earlier, and still never beyond the horizon', () => {
    const lease = leaseSlots(emptyTenantBudget, policy, t0, 3, { notBefore: t0 + 600 });
    expect(lease.slots).toHaveLength(3);
    expect(Math.min(...lease.slots)).toBeGreaterThanOrEqual(t0 + 600);
    const beyond = leaseSlots(emptyTenantBudget, policy, t0, 3, { notBefore: t0 + policy.leadInMs + policy.horizonInMs });
    expect(beyond.slots).toEqual([]);
    // Nothing granted, but the window is not full: the next free slot is the earliest one for anyone.
    expect(beyond.nextFreeAt).toBe(t0 + policy.leadInMs);
  });

  it('spaces slots as asked (for a trickle of sends still to come), within the horizon', () => {
    const lease = leaseSlots(emptyTenantBudget, policy, t0, 10, { spacingInMs: 200 });
    expect(lease.slots).toEqual([0, 200, 400, 600, 800].map((d) => t0 + policy.leadInMs + d));
  });

  it('never books beyond the horizon: an instance that dies holds at most lead + horizon of budget', () => {
    const lease = leaseSlots({ ...emptyTenantBudget, coolDownUntil: t0 + 1_500 }, policy, t0, 10);
    expect(lease.slots).toEqual([]);
    expect(lease.nextFreeAt).toBe(t0 + 1_500);
  });

  it('keeps every window within the limit however leases of any size interleave (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400 }), want: fc.integer({ min: 1, max: 25 }) }), { minLength: 1, maxLength: 60 }), (steps) => {
        let state: TenantBudgetState = emptyTenantBudget;
        let now = t0;
        const granted: number[] = [];
        for (const step of steps) {
          now += step.gap;
          const lease = leaseSlots(state, policy, now, step.want);
          for (const slot of lease.slots) {
            expect(slot).toBeGreaterThanOrEqual(now + policy.leadInMs);
            expect(slot).toBeLessThan(now + policy.leadInMs + policy.horizonInMs);
          }
          granted.push(...lease.slots);
          state = lease.state;
        }
        expect(mostInAnyWindow(granted, policy.windowInMs)).toBeLessThanOrEqual(policy.ceiling);
      }),
    );
  });

  it('keeps only the slots that can still share a window with a new one', () => {
    const first = leaseSlots(emptyTenantBudget, policy, t0, 5);
    const much = leaseSlots(first.state, policy, t0 + 5_000, 3);
    expect(much.state.granted).toEqual(Array<number>(3).fill(t0 + 5_100));
  });
});

describe('tenant budget ledger: what Teams says', () => {
  it('a 429 cools the tenant down for every instance and takes a fifth off the limit', () => {
    const throttled = recordThrottle(emptyTenantBudget, policy, t0, 2_000);
    expect(throttled.coolDownUntil).toBe(t0 + 2_000);
    expect(currentLimit(throttled, policy, t0)).toBe(40);
    const lease = leaseSlots(throttled, policy, t0 + 10, 50);
    expect(lease.slots).toEqual([]);
    expect(lease.nextFreeAt).toBe(t0 + 2_000);
  });

  it('the 429s of one burst are one signal: within a window they only extend the cool-down', () => {
    const once = recordThrottle(emptyTenantBudget, policy, t0, 1_000);
    const twice = recordThrottle(once, policy, t0 + 200, 1_500);
    expect(currentLimit(twice, policy, t0 + 200)).toBe(40);
    expect(twice.coolDownUntil).toBe(t0 + 1_700);
    const again = recordThrottle(twice, policy, t0 + 3_000, 1_000);
    expect(currentLimit(again, policy, t0 + 3_000)).toBe(Math.floor(43 * 0.8)); // 40 plus three quiet seconds, then a fifth off
  });

  it('creeps back one request per quiet second, never past the ceiling, and forgets the 429 once back', () => {
    const throttled = recordThrottle(emptyTenantBudget, policy, t0, 1_000);
    expect(currentLimit(throttled, policy, t0 + 4_999)).toBe(44);
    expect(currentLimit(throttled, policy, t0 + 60_000)).toBe(50);
    expect(leaseSlots(throttled, policy, t0 + 60_000, 1).state.throttled).toBeUndefined();
    expect(leaseSlots(throttled, policy, t0 + 5_000, 1).state.throttled).toEqual({ limit: 40, at: t0 });
  });

  it('grants only the reduced limit per window while it lasts', () => {
    const throttled = recordThrottle(emptyTenantBudget, policy, t0, 0);
    expect(leaseSlots(throttled, policy, t0 + 10, 50).slots).toHaveLength(40);
  });
});
