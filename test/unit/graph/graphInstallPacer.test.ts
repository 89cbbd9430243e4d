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
});
