import { type TableClient } from '@azure/data-tables';

import { type TenantBudgetState } from '../delivery/tenantBudgetLedger';
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
 * (a few per second) never share a partition's throughput with another tenant's. Granted slots are kept as
 * base-36 offsets from the first one: about 50 short numbers, far inside an entity's 64 KiB string limit.
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
  granted: string;
  coolDownUntil: number;
  throttledLimit?: number;
  throttledAt?: number;
  lesseeId?: string;
  lesseeAt?: number;
  sharedUntil?: number;
}

function budgetToEntity(tenantId: string, state: TenantBudgetState): BudgetEntity {
  const entity: BudgetEntity = { tenantId, granted: encodeTimes(state.granted), coolDownUntil: state.coolDownUntil };
  if (state.throttled !== undefined) {
    entity.throttledLimit = state.throttled.limit;
    entity.throttledAt = state.throttled.at;
  }
  if (state.lessee !== undefined) {
    entity.lesseeId = state.lessee.id;
    entity.lesseeAt = state.lessee.at;
  }
  if (state.sharedUntil !== undefined) entity.sharedUntil = state.sharedUntil;
  return entity;
}

/** Anything unreadable counts as an idle tenant: the worst case is one window's burst Teams answers with 429. */
function budgetFromEntity(entity: Record<string, unknown>): TenantBudgetState {
  const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  const state: TenantBudgetState = {
    granted: typeof entity.granted === 'string' ? decodeTimes(entity.granted) : [],
    coolDownUntil: number(entity.coolDownUntil) ?? 0,
  };
  const limit = number(entity.throttledLimit);
  const at = number(entity.throttledAt);
  if (limit !== undefined && at !== undefined) state.throttled = { limit, at };
  const lesseeAt = number(entity.lesseeAt);
  if (typeof entity.lesseeId === 'string' && lesseeAt !== undefined) state.lessee = { id: entity.lesseeId, at: lesseeAt };
  const sharedUntil = number(entity.sharedUntil);
  if (sharedUntil !== undefined) state.sharedUntil = sharedUntil;
  return state;
}

/** Ascending epoch milliseconds as "first:delta,delta,..." in base 36. */
export function encodeTimes(times: readonly number[]): string {
  const [first] = times;
  if (first === undefined) return '';
  return `${Math.round(first).toString(36)}:${times.map((t) => Math.round(t - first).toString(36)).join(',')}`;
}

export function decodeTimes(text: string): number[] {
  const at = text.indexOf(':');
  if (at <= 0) return [];
  const first = parseInt(text.slice(0, at), 36);
  if (!Number.isFinite(first)) return [];
  const times = text
    .slice(at + 1)
    .split(',')
    .map((part) => first + parseInt(part, 36))
    .filter((t) => Number.isFinite(t));
  return times.sort((a, b) => a - b);
}
