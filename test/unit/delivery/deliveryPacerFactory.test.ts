import { type DeliveryPacer, departureWindowInMs } from '../../../shared/delivery/deliveryPacer';
import { createDeliveryPacer } from '../../../shared/delivery/deliveryPacerFactory';
import { type Departure } from '../../../shared/delivery/tenantBookings';

const t0 = 1_800_000_000_000;

/** Pacing per process always lets a request leave (at a time): it has no shares to run out of. */
function departs(pacer: DeliveryPacer, tenantId: string, now: number): Departure {
  const gate = pacer.depart(tenantId, now);
  if ('noRoomUntil' in gate) throw new Error(`refused until ${gate.noRoomUntil}`);
  return gate;
}

describe('createDeliveryPacer', () => {
  it('PerTenantBudget=process holds departures to the tenant limit per window as requests are answered, too', () => {
    const pacer = createDeliveryPacer({
      settings: { perTenantRequestsPerSecond: 50, perTenantBudget: 'process' },
      budgetTable: () => {
        throw new Error('process pacing uses no table');
      },
      now: () => new Date(t0),
      log: () => undefined,
    });
    // A window's 50 requests left late, together: the 51st waits for the first to leave the window.
    const departures = Array.from({ length: 50 }, () => departs(pacer, 't', t0));
    expect(departures.map((d) => d.at)).toEqual(new Array(50).fill(t0));
    expect(departs(pacer, 'other', t0 + 500).at).toBe(t0 + 500);
    // Answered 100 ms and more after they left (new connections): they count from then, not from t0.
    departures.forEach((d, n) => d.landed(t0 + 100 + n));
    expect(departs(pacer, 't', t0 + 500).at).toBe(t0 + 100 + departureWindowInMs);
  });
});
