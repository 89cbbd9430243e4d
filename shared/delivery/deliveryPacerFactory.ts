import { type TableClient } from '@azure/data-tables';

import { type DeliverySettings } from '../config';
import { TableTenantBudgetStore } from '../store/tableTenantBudgetStore';
import { type DeliveryPacer, departureWindowInMs, processDeliveryPacer } from './deliveryPacer';
import { SendPacer } from './sendPacer';
import { SharedDeliveryPacer } from './sharedDeliveryPacer';
import { type BudgetCounters, SharedTenantBudget } from './sharedTenantBudget';
import { TenantBookings } from './tenantBookings';
import { type TenantBudgetPolicy } from './tenantBudgetLedger';

/**
 * The tenant window's margin over Teams' 1 s while several instances lease: arrivals jitter by the time a send
 * spends between its slot and Teams (the request; a send that wakes late takes another slot, see
 * sendLatenessToleranceInMs), and each instance's departure gate sees only its own requests, so a window a
 * little longer than Teams' keeps the instances' bursts that arrive unevenly inside it. Measured on this 2-core
 * machine with one process (this constant edited, `npm run bench -- --only scaleout --scale-out-instances 1`), before the gate counted
 * from Teams' answers: 25 ms let 9-13 sends a run arrive in a full window, 75 ms none. With four processes the
 * 429 count varies more between runs than between 10 and 75 ms, so the measured 75 ms stays.
 */
export const tenantWindowMarginInMs = 75;

/**
 * The margin while one instance leases alone: its departure gate counts each request from Teams' answer, so
 * late arrivals hold its next window back by themselves. 10 ms keeps the gate from holding every window back
 * by a request's latency (a few ms here); measured as above with one process, 0 × 429 at 89-94 % of the ceiling.
 */
export const soloTenantWindowMarginInMs = 10;

/** How far ahead a lease books: what an instance that dies takes with it (a window, then it is free again). */
export const tenantLeaseHorizonInMs = 1_000;

/** Slots are granted this far ahead of the lease decision: more than a Table write usually takes. */
export const tenantLeaseLeadInMs = 100;

export function tenantBudgetPolicy(settings: Pick<DeliverySettings, 'perTenantRequestsPerSecond'>): TenantBudgetPolicy {
  return {
    ceiling: Math.max(1, Math.floor(settings.perTenantRequestsPerSecond)),
    windowInMs: 1_000 + tenantWindowMarginInMs,
    soloWindowInMs: 1_000 + soloTenantWindowMarginInMs,
    // Long enough that another instance's last slots (up to lead + horizon after its lease) lie a wide window
    // before any slot leased alone after it.
    sharedForInMs: 2_500,
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
    const { ceiling } = tenantBudgetPolicy(settings);
    const local = new SendPacer({ perTenantRequestsPerSecond: settings.perTenantRequestsPerSecond, tenantSafetyMarginInMs: tenantWindowMarginInMs });
    return processDeliveryPacer(local, { bookings: new TenantBookings(departureWindowInMs), limit: ceiling });
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
