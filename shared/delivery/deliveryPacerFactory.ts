import { type TableClient } from '@azure/data-tables';

import { type DeliverySettings } from '../config';
import { TableTenantBudgetStore } from '../store/tableTenantBudgetStore';
import { type DeliveryPacer, departureWindowInMs, processDeliveryPacer } from './deliveryPacer';
import { RateSharePacer } from './rateSharePacer';
import { SendPacer } from './sendPacer';
import { type BudgetCounters, SharedTenantBudget } from './sharedTenantBudget';
import { TenantBookings } from './tenantBookings';
import { type TenantBudgetPolicy } from './tenantBudgetLedger';

export function tenantBudgetPolicy(settings: Pick<DeliverySettings, 'perTenantRequestsPerSecond'>): TenantBudgetPolicy {
  return {
    ceiling: Math.max(1, Math.floor(settings.perTenantRequestsPerSecond)),
    // A 429 takes a fifth off; every two quiet seconds give one request back (from 40 to 50 in 20 s): a
    // machine whose requests arrive with more spread than the shares allow for settles below the ceiling
    // instead of climbing back into the next 429 at once.
    backoffFactor: 0.8,
    recoveryStepInMs: 2_000,
    throttleBurstInMs: 1_000,
    // Teams' 1 s as the departure gates count it; a part is valid a little beyond its renewal (rateSharePacer.ts
    // sets how long), and a request may reach Teams up to 250 ms after its instance last saw it.
    shares: { windowInMs: departureWindowInMs, shareTtlInMs: 1_250, arrivalLagInMs: 250 },
  };
}

/** PerTenantBudget=process: the tenant window's margin over Teams' 1 s for arrival jitter (as measured in stop 19). */
const processTenantWindowMarginInMs = 75;

export interface DeliveryPacerParts {
  settings: Pick<DeliverySettings, 'perTenantRequestsPerSecond' | 'perTenantBudget'>;
  /** Table `tenantBudgets` (tableTenantBudgetStore.ts), used only when the budget is shared. */
  budgetTable: () => TableClient;
  now: () => Date;
  /** Where the shared budget reports its Table operations (at most once a second) and failures. */
  log: (line: string) => void;
}

/** The send path's pacer as the settings choose it. */
export function createDeliveryPacer(parts: DeliveryPacerParts): DeliveryPacer {
  const { settings } = parts;
  if (settings.perTenantBudget === 'process') {
    const { ceiling } = tenantBudgetPolicy(settings);
    const local = new SendPacer({ perTenantRequestsPerSecond: settings.perTenantRequestsPerSecond, tenantSafetyMarginInMs: processTenantWindowMarginInMs });
    return processDeliveryPacer(local, { bookings: new TenantBookings(departureWindowInMs), limit: ceiling });
  }
  const now = (): number => parts.now().getTime();
  const budget = new SharedTenantBudget({ store: new TableTenantBudgetStore(parts.budgetTable()), policy: tenantBudgetPolicy(settings), now });
  const report = countersReporter(budget.counters, parts.log, now);
  return new RateSharePacer({ budget, now, warn: parts.log, onLease: report });
}

/**
 * One JSON line `{"event":"tenantBudget",...}` with the totals and when they were taken (`at`, epoch ms), at most
 * once a second and once more after the last lease, so operators (and the bench) can see what the shared budget
 * costs in Table operations, and at what rate.
 */
function countersReporter(counters: BudgetCounters, log: (line: string) => void, now: () => number): () => void {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      log(JSON.stringify({ event: 'tenantBudget', ...counters, at: now() }));
    }, 1_000);
    timer.unref();
  };
}
