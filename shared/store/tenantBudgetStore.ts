import { type TenantBudgetState } from '../delivery/tenantBudgetLedger';

/** One tenant's shared send budget as read, with the ETag a conditional write must match. */
export interface StoredTenantBudget {
  state: TenantBudgetState;
  etag: string;
}

/**
 * Where instances share each tenant's send budget (one small row per tenant). Every write is conditional:
 * the budget is read, changed by the pure ledger (tenantBudgetLedger.ts) and written back only if nobody
 * wrote in between.
 */
export interface TenantBudgetStore {
  read(tenantId: string): Promise<StoredTenantBudget | undefined>;
  /** Writes if the row is still at `etag` (undefined: creates it); the new ETag, or undefined when another instance wrote first. */
  write(tenantId: string, state: TenantBudgetState, etag: string | undefined): Promise<string | undefined>;
}
