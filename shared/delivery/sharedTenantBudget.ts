import { randomUUID } from 'node:crypto';

import { errorCodes, GatewayError } from '../errors';
import { type StoredTenantBudget, type TenantBudgetStore } from '../store/tenantBudgetStore';
import { currentLimit, emptyTenantBudget, recordThrottle, settled, type TenantBudgetPolicy, type TenantBudgetState } from './tenantBudgetLedger';
import { countsAt, leaseRateShare, type RateShare, type ShareRequest } from './tenantRateShares';

/**
 * The imperative shell around tenantBudgetLedger.ts and tenantRateShares.ts: read the tenant's row, let them
 * decide, write it back on the ETag read. The last row written is kept, so a lease while this instance has the
 * tenant alone costs one write; while others share the row it is read first (it has surely changed), and a 412
 * (another instance wrote in between) costs a read and another write. Changes to one tenant are serialised
 * within the process, so an instance never races itself.
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

/** Table operations and grants so far, for the bench and the log. */
export interface BudgetCounters {
  tableOperations: number;
  leases: number;
}

interface Decision<R> {
  write?: TenantBudgetState;
  result: R;
}

export class SharedTenantBudget {
  readonly counters: BudgetCounters = { tableOperations: 0, leases: 0 };
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

  /**
   * This instance's part of the tenant's limit (tenantRateShares.ts). Always written: the other instances divide
   * the limit by the wants they read.
   */
  async leaseShare(tenantId: string, request: Omit<ShareRequest, 'instance'>): Promise<{ share: RateShare; fair: number }> {
    const leased = await this.change(tenantId, (state, now) => {
      const { write, share, fair } = this.withShare(state, now, request);
      return { write, result: { share, fair } };
    }, (state, now) => Object.entries(state.shares ?? {}).some(([id, share]) => id !== this.instanceId && countsAt(share, now, this.options.policy.shares)));
    this.counters.leases++;
    return leased;
  }

  /**
   * Gives this instance's part back (it stopped sending to the tenant): one write on the row as last seen, and
   * nothing more if another instance wrote since (the part lapses by itself shortly). Never throws.
   */
  async release(tenantId: string, footprint: ShareRequest['footprint']): Promise<void> {
    const row = this.rows.get(tenantId);
    if (row === undefined || row === null) return;
    const state = this.withShare(row.state, this.options.now(), { want: 0, footprint, validForInMs: 0 }).write;
    this.counters.tableOperations++;
    try {
      const etag = await this.options.store.write(tenantId, state, row.etag);
      if (etag === undefined) this.rows.delete(tenantId);
      else this.remember(tenantId, { state, etag });
    } catch {
      this.rows.delete(tenantId);
    }
  }

  /** The row with this instance's part leased anew (a part valid for 0 ms gives it back). */
  private withShare(state: TenantBudgetState, now: number, request: Omit<ShareRequest, 'instance'>): { write: TenantBudgetState; share: RateShare; fair: number } {
    const leased = leaseRateShare(state.shares ?? {}, currentLimit(state, this.options.policy, now), this.options.policy.shares, now, { ...request, instance: this.instanceId });
    return { write: settled({ ...state, shares: leased.shares }, this.options.policy, now), share: leased.share, fair: leased.fair };
  }

  /** Tells every instance about a 429: shared cool-down and a lower limit for the tenant. */
  async throttled(tenantId: string, retryAfterInMs: number): Promise<void> {
    await this.change(tenantId, (state, now) => ({ write: recordThrottle(state, this.options.policy, now, retryAfterInMs), result: undefined }));
  }

  /** `stale`: the row as last seen is probably out of date (read it before deciding instead of meeting a 412). */
  private async change<R>(tenantId: string, decide: (state: TenantBudgetState, now: number) => Decision<R>, stale?: (state: TenantBudgetState, now: number) => boolean): Promise<R> {
    const previous = this.queues.get(tenantId) ?? Promise.resolve();
    const readDecideWrite = async (): Promise<R> => {
      const cached = this.rows.get(tenantId);
      if (cached !== undefined && cached !== null && stale?.(cached.state, this.options.now()) === true) this.rows.delete(tenantId);
      return this.readDecideWrite(tenantId, decide);
    };
    const run = previous.then(readDecideWrite, readDecideWrite);
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
