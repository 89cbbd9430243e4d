import { createDeliveryPacer, tenantWindowMarginInMs } from '../../../shared/delivery/deliveryPacerFactory';

const t0 = 1_800_000_000_000;

describe('createDeliveryPacer', () => {
  it('PerTenantBudget=process holds departures to the tenant limit per window as requests leave, too', () => {
    const pacer = createDeliveryPacer({
      settings: { perTenantRequestsPerSecond: 50, perTenantBudget: 'process' },
      budgetTable: () => {
        throw new Error('process pacing uses no table');
      },
      now: () => new Date(t0),
      log: () => undefined,
    });
    // A window's 50 requests left late, together: the 51st waits for the first to leave the window.
    for (let n = 0; n < 50; n++) expect(pacer.departAt('t', t0)).toBe(t0);
    expect(pacer.departAt('t', t0 + 500)).toBe(t0 + 1_000 + tenantWindowMarginInMs);
    expect(pacer.departAt('other', t0 + 500)).toBe(t0 + 500);
  });
});
