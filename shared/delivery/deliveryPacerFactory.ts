import { type TableClient } from '@azure/data-tables';

import { type DeliverySettings } from '../config';
import { TableTenantBudgetStore } from '../store/tableTenantBudgetStore';
import { type DeliveryPacer, processDeliveryPacer } from './deliveryPacer';
import { SendPacer } from './sendPacer';
import { SharedDeliveryPacer } from './sharedDeliveryPacer';
import { type BudgetCounters, SharedTenantBudget } from './sharedTenantBudget';
import { TenantBookings } from './tenantBookings';
import { type TenantBudgetPolicy } from './tenantBudgetLedger';

/**
 * The tenant window's margin over Teams' 1 s: arrivals jitter by the time a send spends between its slot and
 * Teams (the request; a send that wakes late takes another slot, see sendLatenessToleranceInMs), so a window a
 * little longer than Teams' keeps bursts that arrive unevenly inside it. Measured on this 2-core machine, one
 * process, 1,000 conversations of one tenant (`npm run bench -- --only scaleout --scale-out-instances 1`):
 * 25 ms let 9-13 sends a run arrive in a full window (each 429 lowers the limit for everyone), 68-76 % of the
 * ceiling; 75 ms, 0 × 429 and 83-84 %, although it caps the rate at 93 % of Teams' 50 per second.
 */
export const tenantWindowMarginInMs = 75;

/** How far ahead a lease books: what an instance that dies takes with it (a window, then it is free again). */
export const tenantLeaseHorizonInMs = 1_000;

/** Slots are granted this far ahead of the lease decision: more than a Table write usually takes. */
export const tenantLeaseLeadInMs = 100;

export function tenantBudgetPolicy(settings: Pick<DeliverySettings, 'perTenantRequestsPerSecond'>): TenantBudgetPolicy {
  return {
    ceiling: Math.max(1, Math.floor(settings.perTenantRequestsPerSecond)),
    windowInMs: 1_000 + tenantWindowMarginInMs,
    horizonInMs: tenantLeaseHorizonInMs,
    leadInMs: tenantLeaseLeadInMs,
    // Five every 50 ms: a window's 50 go out in its first 450 ms (1,000 sends take 19.9 s, 95 % of the ideal
    // 19 s), and no send queues behind more than four others. Measured on this 2-core machine against one
    // burst of 25 per half window: 0 × 429 instead of 24 for one process, 88 % of the ceiling instead of 71 %.
    groups: { limit: 5, windowInMs: 50 },
    // A 429 takes a fifth off; every two quiet seconds give one request back (from 40 to 50 in 20 s): a
    // machine whose sends arrive with more spread than the margin settles below the ceiling instead of
    // climbing back into the next 429 at once.
    backoffFactor: 0.8,
    recoveryStepInMs: 2_000,
  };
}

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
    const { windowInMs, ceiling } = tenantBudgetPolicy(settings);
    const local = new SendPacer({ perTenantRequestsPerSecond: settings.perTenantRequestsPerSecond, tenantSafetyMarginInMs: tenantWindowMarginInMs });
    return processDeliveryPacer(local, { bookings: new TenantBookings(windowInMs), limit: ceiling });
  }
  // The shared budget is the tenant's only limit; the local pacer keeps the conversation windows.
  const local = new SendPacer({ perTenantRequestsPerSecond: Number.POSITIVE_INFINITY });
  const now = (): number => parts.now().getTime();
  const budget = new SharedTenantBudget({ store: new TableTenantBudgetStore(parts.budgetTable()), policy: tenantBudgetPolicy(settings), now });
  const report = countersReporter(budget.counters, parts.log);
  return new SharedDeliveryPacer({ local, budget, now, warn: parts.log, onLease: report });
}

/**
 * One JSON line `{"event":"tenantBudget",...}` with the totals, at most once a second and once more after the
 * last lease, so operators (and the bench) can see what the shared budget costs in Table operations.
 */
function countersReporter(counters: BudgetCounters, log: (line: string) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      log(JSON.stringify({ event: 'tenantBudget', ...counters }));
    }, 1_000);
    timer.unref();
  };
}
