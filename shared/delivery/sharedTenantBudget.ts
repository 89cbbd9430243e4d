import { randomUUID } from 'node:crypto';

import { errorCodes, GatewayError } from '../errors';
import { type StoredTenantBudget, type TenantBudgetStore } from '../store/tenantBudgetStore';
import { currentLimit, emptyTenantBudget, type LeaseRequest, leaseSlots, recordThrottle, type TenantBudgetPolicy, type TenantBudgetState } from './tenantBudgetLedger';

/**
 * The imperative shell around tenantBudgetLedger.ts: read the tenant's row, let the ledger decide, write it
 * back on the ETag read. The last row written is kept, so an uncontended lease costs one write; a 412 (another
 * instance leased first) costs a read and a second write. Changes to one tenant are serialised within the
 * process, so an instance never races itself.
 */
export interface SharedTenantBudgetOptions {
  store: TenantBudgetStore;
  policy: TenantBudgetPolicy;
  now: () => number;
  /** Read-decide-write rounds before giving up with CONCURRENCY_CONFLICT (default 10). */
  maxRounds?: number;
  /** Rows remembered (least recently used forgotten first; default 10,000). */
  maxTenants?: number;
  /** This instance, as its leases name it (default: a random id per process). */
  instanceId?: string;
}

export interface BudgetLease {
  slots: number[];
  nextFreeAt: number;
}

/** Table operations and grants so far, for the bench and the log. */
export interface BudgetCounters {
  tableOperations: number;
  leases: number;
  slotsGranted: number;
}

interface Decision<R> {
  write?: TenantBudgetState;
  result: R;
}

export class SharedTenantBudget {
  readonly counters: BudgetCounters = { tableOperations: 0, leases: 0, slotsGranted: 0 };
  private readonly rows = new Map<string, StoredTenantBudget | null>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly maxRounds: number;
  private readonly maxTenants: number;
  private readonly instanceId: string;

  constructor(private readonly options: SharedTenantBudgetOptions) {
    this.instanceId = options.instanceId ?? randomUUID().slice(0, 8);
    this.maxRounds = options.maxRounds ?? 10;
    this.maxTenants = options.maxTenants ?? 10_000;
  }

  get policy(): TenantBudgetPolicy {
    return this.options.policy;
  }

  /** The tenant's limit per window as this instance last read or wrote it (the ceiling until a 429 lowers it). */
  limit(tenantId: string): number {
    const row = this.rows.get(tenantId);
    return row === undefined || row === null ? this.options.policy.ceiling : currentLimit(row.state, this.options.policy, this.options.now());
  }

  /** The tenant's shared cool-down as this instance last read or wrote it (epoch ms; -Infinity when none). */
  coolDownUntil(tenantId: string): number {
    return this.rows.get(tenantId)?.state.coolDownUntil ?? Number.NEGATIVE_INFINITY;
  }

  /** Up to `want` slots within the horizon (see LeaseRequest); none (and when the next frees up) when the tenant's window is full. */
  async lease(tenantId: string, want: number, request: LeaseRequest = {}): Promise<BudgetLease> {
    const lease = await this.change(tenantId, (state, now) => {
      const result = leaseSlots(state, this.options.policy, now, want, { lessee: this.instanceId, ...request });
      // Nothing granted and nothing to record: a full window costs no write.
      return result.slots.length === 0 ? { result } : { write: result.state, result };
    });
    this.counters.leases++;
    this.counters.slotsGranted += lease.slots.length;
    return { slots: lease.slots, nextFreeAt: lease.nextFreeAt };
  }

  /** Tells every instance about a 429: shared cool-down and a lower limit for the tenant. */
  async throttled(tenantId: string, retryAfterInMs: number): Promise<void> {
    await this.change(tenantId, (state, now) => ({ write: recordThrottle(state, this.options.policy, now, retryAfterInMs), result: undefined }));
  }

  private async change<R>(tenantId: string, decide: (state: TenantBudgetState, now: number) => Decision<R>): Promise<R> {
    const previous = this.queues.get(tenantId) ?? Promise.resolve();
    const run = previous.then(
      async () => this.readDecideWrite(tenantId, decide),
      async () => this.readDecideWrite(tenantId, decide),
    );
    this.queues.set(tenantId, run);
    try {
      return await run;
    } finally {
      if (this.queues.get(tenantId) === run) this.queues.delete(tenantId);
    }
  }

  private async readDecideWrite<R>(tenantId: string, decide: (state: TenantBudgetState, now: number) => Decision<R>): Promise<R> {
    for (let round = 0; round < this.maxRounds; round++) {
      let row = this.rows.get(tenantId);
      if (row === undefined) {
        this.counters.tableOperations++;
        row = (await this.options.store.read(tenantId)) ?? null;
        this.remember(tenantId, row);
      }
      const decision = decide(row?.state ?? emptyTenantBudget, this.options.now());
      if (decision.write === undefined) return decision.result;
      this.counters.tableOperations++;
      const etag = await this.options.store.write(tenantId, decision.write, row?.etag);
      if (etag !== undefined) {
        this.remember(tenantId, { state: decision.write, etag });
        return decision.result;
      }
      // Another instance wrote first: read its row and decide again.
      this.rows.delete(tenantId);
    }
    throw new GatewayError(errorCodes.ConcurrencyConflict, `The send budget of tenant ${tenantId} kept changing under ${this.maxRounds} attempts to update it`);
  }

  private remember(tenantId: string, row: StoredTenantBudget | null): void {
    this.rows.delete(tenantId);
    this.rows.set(tenantId, row);
    for (const oldest of this.rows.keys()) {
      if (this.rows.size <= this.maxTenants) break;
      this.rows.delete(oldest);
    }
  }
}
