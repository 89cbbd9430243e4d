import { graphInstallLimits, GraphInstallPacer } from '../../../shared/graph/graphInstallPacer';

const at = (ms: number): Date => new Date(Date.parse('2026-03-01T10:00:00.000Z') + ms);
const perTenant = graphInstallLimits.perTenant[0]!.limit;
const perApp = graphInstallLimits.perApp[0]!.limit;

describe('GraphInstallPacer', () => {
  it("stays under Graph's Teams limit per tenant (30 rps): the next install waits for the window", () => {
    const pacer = new GraphInstallPacer();
    const delays = Array.from({ length: perTenant + 1 }, () => pacer.reserve('tenant-a', at(0)));
    expect(perTenant).toBeLessThan(30);
    expect(delays.slice(0, perTenant).every((d) => d === 0)).toBe(true);
    expect(delays[perTenant]).toBe(1_000);
    // Another tenant is not held up by the first.
    expect(pacer.reserve('tenant-b', at(0))).toBe(0);
  });

  it('stays under the limit across tenants (300 rps per app)', () => {
    const pacer = new GraphInstallPacer();
    expect(perApp).toBeLessThan(300);
    for (let i = 0; i < perApp; i++) expect(pacer.reserve(`tenant-${i}`, at(0))).toBe(0);
    expect(pacer.reserve('one-more', at(0))).toBe(1_000);
  });

  it("after Graph's 429 the tenant waits out Retry-After; other tenants go on", () => {
    const pacer = new GraphInstallPacer();
    pacer.coolDown('Tenant-A', 5_000, at(0));
    expect(pacer.reserve('tenant-a', at(1_000))).toBe(4_000);
    expect(pacer.reserve('tenant-b', at(1_000))).toBe(0);
    expect(pacer.reserve('tenant-a', at(6_000))).toBe(0);
  });

  it('copies deferred to their booked slots each install there: a burst for one tenant goes at the limit, none deferred twice', () => {
    const pacer = new GraphInstallPacer();
    const maxWaitInMs = 1_000;
    // The queue: each copy comes back at its slot, holding it.
    const queue: { at: number; held?: number; deferrals: number }[] = Array.from({ length: 200 }, () => ({ at: 0, deferrals: 0 }));
    const installedAt: number[] = [];
    while (queue.length > 0 && installedAt.length + queue.length === 200) {
      queue.sort((a, b) => a.at - b.at);
      const copy = queue.shift()!;
      const delayInMs = pacer.reserve('tenant-a', at(copy.at), copy.held === undefined ? undefined : at(copy.held).getTime());
      if (delayInMs <= maxWaitInMs) installedAt.push(copy.at + delayInMs);
      else queue.push({ at: copy.at + delayInMs, held: copy.at + delayInMs, deferrals: copy.deferrals + 1 });
      expect(copy.deferrals).toBeLessThanOrEqual(1);
    }
    expect(installedAt).toHaveLength(200);
    const mostInOneSecond = Math.max(...installedAt.map((t) => installedAt.filter((u) => u >= t && u < t + 1_000).length));
    expect(mostInOneSecond).toBeLessThanOrEqual(perTenant);
    expect(Math.max(...installedAt)).toBeLessThanOrEqual((200 / perTenant) * 1_000);
  });
});
