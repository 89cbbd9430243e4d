import { type TableClient } from '@azure/data-tables';

import { type TenantBudgetState } from '../delivery/tenantBudgetLedger';
import { type RateShare } from '../delivery/tenantRateShares';
import { tableNames } from '../resourceNames';
import { encodeKeyPart } from './tableKeyEncoding';
import { getEntityOrUndefined, TablesOnce, tryCreateEntity, tryReplaceEntity } from './tableStorageCalls';
import { type StoredTenantBudget, type TenantBudgetStore } from './tenantBudgetStore';

/**
 * Table `tenantBudgets`: deployed with the others and created on first use like every gateway table; losing it
 * loses nothing (a fresh row is an idle tenant).
 */
export const tenantBudgetTableName = tableNames.tenantBudgets;

const rowKey = 'budget';

/**
 * Tenant budgets on Table Storage: one row per tenant, each in its own partition, so a busy tenant's leases
 * (about one per second per sending instance) never share a partition's throughput with another tenant's.
 */
export class TableTenantBudgetStore implements TenantBudgetStore {
  private readonly tables: TablesOnce;

  constructor(private readonly table: TableClient) {
    this.tables = new TablesOnce([table]);
  }

  async read(tenantId: string): Promise<StoredTenantBudget | undefined> {
    await this.tables.ensure();
    const entity = await getEntityOrUndefined(this.table, encodeKeyPart(tenantId), rowKey, 'read a tenant budget');
    if (entity === undefined) return undefined;
    return { state: budgetFromEntity(entity), etag: typeof entity.etag === 'string' ? entity.etag : '' };
  }

  async write(tenantId: string, state: TenantBudgetState, etag: string | undefined): Promise<string | undefined> {
    await this.tables.ensure();
    const entity = { partitionKey: encodeKeyPart(tenantId), rowKey, ...budgetToEntity(tenantId, state) };
    return etag === undefined ? tryCreateEntity(this.table, entity, 'create a tenant budget') : tryReplaceEntity(this.table, entity, etag, 'write a tenant budget');
  }
}

interface BudgetEntity {
  tenantId: string;
  coolDownUntil: number;
  throttledLimit?: number;
  throttledAt?: number;
  /** JSON: the instances' rate shares (tenantRateShares.ts), a few hundred bytes per instance. */
  shares?: string;
}

function budgetToEntity(tenantId: string, state: TenantBudgetState): BudgetEntity {
  const entity: BudgetEntity = { tenantId, coolDownUntil: state.coolDownUntil };
  if (state.throttled !== undefined) {
    entity.throttledLimit = state.throttled.limit;
    entity.throttledAt = state.throttled.at;
  }
  if (state.shares !== undefined && Object.keys(state.shares).length > 0) entity.shares = JSON.stringify(state.shares);
  return entity;
}

/** Anything unreadable counts as an idle tenant: the worst case is one window's burst Teams answers with 429. */
function budgetFromEntity(entity: Record<string, unknown>): TenantBudgetState {
  const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  const state: TenantBudgetState = { coolDownUntil: number(entity.coolDownUntil) ?? 0 };
  const limit = number(entity.throttledLimit);
  const at = number(entity.throttledAt);
  if (limit !== undefined && at !== undefined) state.throttled = { limit, at };
  const shares = typeof entity.shares === 'string' ? decodeShares(entity.shares) : undefined;
  if (shares !== undefined) state.shares = shares;
  return state;
}

/** The rate shares column; a part that does not parse is dropped (its instance's next renewal writes it again). */
export function decodeShares(text: string): Record<string, RateShare> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const shares: Record<string, RateShare> = {};
  for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
    const share = value as Partial<RateShare>;
    const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
    const steps = Array.isArray(share.steps) && share.steps.every((step) => Array.isArray(step) && step.length === 2 && finite(step[0]) && finite(step[1])) ? share.steps : undefined;
    if (steps === undefined || !finite(share.until) || !finite(share.want) || !finite(share.prior) || !finite(share.priorUntil)) continue;
    shares[id] = { steps, until: share.until, want: share.want, prior: share.prior, priorUntil: share.priorUntil };
  }
  return shares;
}
