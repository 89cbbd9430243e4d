import fc from 'fast-check';

import { SendPacer, teamsPerConversationLimits } from '../../../shared/delivery/sendPacer';

const at = (ms: number): Date => new Date(Date.UTC(2026, 2, 10, 12) + ms);
const t0 = at(0).getTime();

/** Brute force: the most bookings any half-open window (s − w, s] holds. */
function maxInAnyWindow(times: readonly number[], windowInMs: number): number {
  let max = 0;
  for (const s of times) max = Math.max(max, times.filter((t) => t > s - windowInMs && t <= s).length);
  return max;
}

describe('SendPacer: Teams per-conversation limits', () => {
  it('are the documented per-thread limits', () => {
    expect(teamsPerConversationLimits).toEqual([
      { limit: 7, windowInMs: 1_000 },
      { limit: 8, windowInMs: 2_000 },
      { limit: 60, windowInMs: 30_000 },
      { limit: 1_800, windowInMs: 3_600_000 },
    ]);
  });

  it('7 per second: the 8th send waits exactly until the first leaves the window', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    for (let i = 0; i < 7; i++) expect(pacer.reserve('t', 'c', at(0))).toEqual({ delayInMs: 0, booked: true });
    expect(pacer.delayFor('t', 'c', at(0))).toBe(1_000);
    expect(pacer.delayFor('t', 'c', at(999))).toBe(1);
    expect(pacer.delayFor('t', 'c', at(1_000))).toBe(0);
  });

  it('8 per 2 seconds: the 9th waits for the 2-second window', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    for (let i = 0; i < 7; i++) pacer.reserve('t', 'c', at(0));
    expect(pacer.reserve('t', 'c', at(1_000))).toEqual({ delayInMs: 0, booked: true });
    expect(pacer.delayFor('t', 'c', at(1_000))).toBe(1_000);
    expect(pacer.delayFor('t', 'c', at(1_999))).toBe(1);
    expect(pacer.delayFor('t', 'c', at(2_000))).toBe(0);
  });

  it('60 per 30 seconds: the 61st waits until the first is 30 s old', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    // Four a second keeps inside the 1 s and 2 s limits.
    for (let i = 0; i < 60; i++) expect(pacer.reserve('t', 'c', at(i * 250)).delayInMs).toBe(0);
    expect(pacer.delayFor('t', 'c', at(15_000))).toBe(15_000);
    expect(pacer.delayFor('t', 'c', at(29_999))).toBe(1);
    expect(pacer.reserve('t', 'c', at(30_000))).toEqual({ delayInMs: 0, booked: true });
  });

  it('1800 per hour: the 1801st waits until the first is an hour old', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    let now = 0;
    for (let i = 0; i < 1_800; i++) {
      // A sender that waits exactly as told.
      const { delayInMs } = pacer.reserve('t', 'c', at(now));
      now += delayInMs;
    }
    expect(now).toBeLessThan(3_600_000);
    expect(pacer.delayFor('t', 'c', at(now))).toBe(3_600_000 - now);
    expect(pacer.delayFor('t', 'c', at(3_600_000))).toBe(0);
  });

  it('widens every window by the safety margin (100 ms unless told otherwise)', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40 });
    for (let i = 0; i < 7; i++) pacer.reserve('t', 'c', at(0));
    expect(pacer.delayFor('t', 'c', at(1_000))).toBe(100);
    expect(pacer.delayFor('t', 'c', at(1_100))).toBe(0);
    const tenantPacer = new SendPacer({ perTenantRequestsPerSecond: 3, safetyMarginInMs: 20 });
    for (let i = 0; i < 3; i++) tenantPacer.reserve('t', `c${i}`, at(0));
    expect(tenantPacer.delayFor('t', 'c9', at(0))).toBe(1_020);
  });

  it('books the slot so concurrent callers do not all hear "now"', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    const delays = Array.from({ length: 10 }, () => pacer.reserve('t', 'c', at(0)).delayInMs);
    expect(delays).toEqual([0, 0, 0, 0, 0, 0, 0, 1_000, 2_000, 2_000]);
  });

  it('delayFor books nothing', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    for (let i = 0; i < 100; i++) expect(pacer.delayFor('t', 'c', at(0))).toBe(0);
    expect(pacer.reserve('t', 'c', at(0)).delayInMs).toBe(0);
    expect(pacer.trackedConversations).toBe(1);
  });

  it('does not book a slot further away than maxDelayInMs', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    for (let i = 0; i < 7; i++) pacer.reserve('t', 'c', at(0));
    expect(pacer.reserve('t', 'c', at(0), 999)).toEqual({ delayInMs: 1_000, booked: false });
    expect(pacer.reserve('t', 'c', at(0), 999)).toEqual({ delayInMs: 1_000, booked: false });
    expect(pacer.reserve('t', 'c', at(0), 1_000)).toEqual({ delayInMs: 1_000, booked: true });
    expect(pacer.reserve('t', 'c', at(0))).toEqual({ delayInMs: 2_000, booked: true });
  });
});

describe('SendPacer: per tenant', () => {
  it('allows perTenantRequestsPerSecond across conversations, then waits a second', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    for (let i = 0; i < 40; i++) expect(pacer.reserve('t', `c${i}`, at(0)).delayInMs).toBe(0);
    expect(pacer.reserve('t', 'c40', at(0)).delayInMs).toBe(1_000);
    expect(pacer.reserve('other-tenant', 'c41', at(0)).delayInMs).toBe(0);
  });

  it("one conversation's wait does not hold up the tenant's other conversations", () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    for (let i = 0; i < 7; i++) pacer.reserve('t', 'busy', at(0));
    expect(pacer.reserve('t', 'busy', at(0)).delayInMs).toBe(1_000);
    expect(pacer.reserve('t', 'quiet', at(0)).delayInMs).toBe(0);
  });

  it('counts a future booking against the tenant second it lands in', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 2, safetyMarginInMs: 0, perConversationLimits: [{ limit: 1, windowInMs: 5_000 }] });
    expect(pacer.reserve('t', 'a', at(0)).delayInMs).toBe(0);
    expect(pacer.reserve('t', 'a', at(0)).delayInMs).toBe(5_000);
    expect(pacer.reserve('t', 'b', at(0)).delayInMs).toBe(0);
    expect(pacer.reserve('t', 'c', at(0)).delayInMs).toBe(1_000);
    // a's booking at 5000 already uses tenant capacity: d fits beside it at 4500, e must wait until 4500
    // leaves the window (5500), and f until 5000 does (6000).
    expect(pacer.reserve('t', 'd', at(4_500)).delayInMs).toBe(0);
    expect(pacer.reserve('t', 'e', at(4_500)).delayInMs).toBe(1_000);
    expect(pacer.reserve('t', 'f', at(4_500)).delayInMs).toBe(1_500);
  });

  it('pauses every conversation of a tenant during a cool-down, and never shortens one', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    pacer.coolDownTenant('t', 5_000, at(0));
    pacer.coolDownTenant('t', 1_000, at(0));
    expect(pacer.reserve('t', 'a', at(0)).delayInMs).toBe(5_000);
    expect(pacer.reserve('t', 'b', at(4_000)).delayInMs).toBe(1_000);
    expect(pacer.reserve('t', 'c', at(5_000)).delayInMs).toBe(0);
    expect(pacer.reserve('u', 'd', at(0)).delayInMs).toBe(0);
  });

  it('pauses one conversation during its own cool-down', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    pacer.coolDownConversation('a', 2_000, at(0));
    expect(pacer.delayFor('t', 'a', at(500))).toBe(1_500);
    expect(pacer.delayFor('t', 'b', at(500))).toBe(0);
    pacer.coolDownConversation('a', -50, at(600));
    expect(pacer.delayFor('t', 'a', at(600))).toBe(1_400);
  });
});

describe('SendPacer: memory and clock', () => {
  it('forgets conversations and tenants idle for longer than their longest window', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    for (let i = 0; i < 500; i++) pacer.reserve(`t${i % 20}`, `c${i}`, at(i));
    expect(pacer.trackedConversations).toBe(500);
    expect(pacer.trackedTenants).toBe(20);
    pacer.reserve('t-new', 'c-new', at(3_600_000 + 500));
    expect(pacer.trackedConversations).toBe(1);
    expect(pacer.trackedTenants).toBe(1);
  });

  it('keeps conversations with bookings inside the hour', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    pacer.reserve('t', 'a', at(0));
    pacer.reserve('t', 'b', at(10));
    pacer.reserve('t', 'c', at(3_600_005));
    expect(pacer.trackedConversations).toBe(2);
  });

  it('keeps a cooling-down conversation even when idle', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    pacer.coolDownConversation('a', 10_000_000, at(0));
    pacer.reserve('t', 'b', at(3_700_000));
    expect(pacer.trackedConversations).toBe(2);
    expect(pacer.delayFor('t', 'a', at(3_700_000))).toBe(10_000_000 - 3_700_000);
  });

  it('never tracks more than maxTracked, forgetting the least recently used', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 1_000, safetyMarginInMs: 0, maxTracked: 10 });
    for (let i = 0; i < 25; i++) pacer.reserve('t', `c${i}`, at(0));
    expect(pacer.trackedConversations).toBe(10);
  });

  it('does not let a clock that steps back undo bookkeeping', () => {
    const pacer = new SendPacer({ perTenantRequestsPerSecond: 40, safetyMarginInMs: 0 });
    for (let i = 0; i < 7; i++) pacer.reserve('t', 'c', at(1_000));
    // Measured from the latest time seen (1000), not the earlier one passed in.
    expect(pacer.reserve('t', 'c', at(0)).delayInMs).toBe(1_000);
    expect(pacer.delayFor('t', 'c', at(1_999))).toBe(1_001);
  });
});

describe('SendPacer: property', () => {
  it('never books more than any limit allows in any window, nor before now', () => {
    const op = fc.record({
      tenant: fc.integer({ min: 0, max: 2 }),
      conversation: fc.integer({ min: 0, max: 4 }),
      advanceInMs: fc.integer({ min: 0, max: 1_500 }),
      maxDelayInMs: fc.option(fc.integer({ min: 0, max: 3_000 }), { nil: undefined }),
      coolDownInMs: fc.option(fc.integer({ min: 0, max: 2_000 }), { freq: 10, nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 150 }), (ops) => {
        const perTenantRequestsPerSecond = 5;
        const pacer = new SendPacer({ perTenantRequestsPerSecond, safetyMarginInMs: 0 });
        const byConversation = new Map<string, number[]>();
        const byTenant = new Map<string, number[]>();
        let now = 0;
        for (const o of ops) {
          now += o.advanceInMs;
          const tenant = `t${o.tenant}`;
          // Conversation ids are unique per tenant, as Teams' are.
          const conversation = `${tenant}/c${o.conversation}`;
          if (o.coolDownInMs !== undefined) pacer.coolDownTenant(tenant, o.coolDownInMs, at(now));
          const { delayInMs, booked } = pacer.reserve(tenant, conversation, at(now), o.maxDelayInMs);
          expect(delayInMs).toBeGreaterThanOrEqual(0);
          if (o.maxDelayInMs !== undefined) expect(booked).toBe(delayInMs <= o.maxDelayInMs);
          if (!booked) continue;
          const slot = at(now).getTime() + delayInMs - t0;
          byConversation.set(conversation, [...(byConversation.get(conversation) ?? []), slot]);
          byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), slot]);
        }
        for (const times of byConversation.values()) {
          for (const { limit, windowInMs } of teamsPerConversationLimits) expect(maxInAnyWindow(times, windowInMs)).toBeLessThanOrEqual(limit);
        }
        for (const times of byTenant.values()) expect(maxInAnyWindow(times, 1_000)).toBeLessThanOrEqual(perTenantRequestsPerSecond);
      }),
      { numRuns: 200 },
    );
  });
});
