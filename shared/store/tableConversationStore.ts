import { setTimeout as sleep } from 'node:timers/promises';

import { odata, type TableClient } from '@azure/data-tables';

import { errorCodes, GatewayError } from '../errors';
import { conversationFromEntity, conversationToEntity, indexRowFromEntity, indexRowToEntity, summaryFromIndexRow } from './conversationEntity';
import {
  type ConversationSummary,
  indexRowsOf,
  teamConversationRange,
  teamPartition,
  tenantConversationRange,
  tenantPartition,
  tenantUserRange,
  withIndexPlan,
} from './conversationIndexRows';
import {
  type ConditionalWriteOptions,
  type ConversationFilter,
  type ConversationPage,
  type ConversationStore,
  type ListByTenantOptions,
  type PageOptions,
  type StatusChangeResult,
  type TenantPage,
  type TenantPageOptions,
} from './conversationStore';
import { type ActivityInput, newRecordFromActivity, recordAfterActivity, recordAfterStatusChange, recordWithServiceUrlOverride, type StatusChange } from './conversationTransitions';
import { decodeOpaqueToken, encodeOpaqueToken, queryFingerprint } from './opaqueToken';
import { type ConversationRecord, type StoredConversation } from './storedConversation';
import { conversationEntityKeys } from './tableKeyEncoding';
import { getEntityOrUndefined, statusCodeOf, storageCall, storageFailure, TablesOnce, tryCreateEntity, tryReplaceEntity } from './tableStorageCalls';

export interface TableConversationStoreOptions {
  /** Table `conversations` (tableNames.conversations). */
  conversations: TableClient;
  /** Table `conversationIndex` (tableNames.conversationIndex). */
  index: TableClient;
  now: () => Date;
  /** Read-decide-write rounds before a hot record gives up with CONCURRENCY_CONFLICT. */
  maxWriteAttempts?: number;
}

/** What one read-decide-write round does: write this record, or stop with a value. */
type Plan<R> = { kind: 'write'; record: ConversationRecord; finish: (stored: StoredConversation) => R } | { kind: 'done'; value: R };

const defaultPageSize = 50;
const maxPageSize = 1000;
/** Underlying pages a `list` call may read to find at least one item (server-side filters leave gaps). */
const maxPagesPerListCall = 10;
/** Index re-sync rounds after a write (each round ends with a re-read of the primary record). */
const maxIndexSyncRounds = 5;

/**
 * The conversation store on Azure Table Storage (adapter). One entity per conversation in its own partition
 * (keys: tableKeyEncoding.ts), index rows per tenant/user/team (conversationIndexRows.ts). Every write is
 * read → pure transition (conversationTransitions.ts) → conditional write with the read ETag; a 412 or 409
 * means someone else wrote first, so the round is repeated on a fresh read: concurrent installs, uninstalls
 * and prunes are all applied in event-time order, none is lost.
 *
 * The primary write and its index rows are not one transaction (different partitions). After a write that
 * changes what the rows hold, its index rows are written and the record re-read; if a newer revision appeared
 * meanwhile, the rows are rewritten from it. Whoever changes the summary last therefore leaves the rows matching
 * the newest record; a write that changes nothing in them (a message refreshing the reference) skips them, since
 * the writer before it is still re-reading or was already current (withIndexPlan; crash repairs within an hour).
 */
export class TableConversationStore implements ConversationStore {
  private readonly conversations: TableClient;
  private readonly index: TableClient;
  private readonly now: () => Date;
  private readonly maxWriteAttempts: number;
  private readonly tables: TablesOnce;

  constructor(options: TableConversationStoreOptions) {
    this.conversations = options.conversations;
    this.index = options.index;
    this.now = options.now;
    this.maxWriteAttempts = options.maxWriteAttempts ?? 25;
    this.tables = new TablesOnce([options.conversations, options.index]);
  }

  async get(conversationId: string): Promise<StoredConversation | undefined> {
    await this.tables.ensure();
    return this.read(conversationId);
  }

  async upsertFromActivity(input: ActivityInput): Promise<{ conversation: StoredConversation; verdict?: StatusChangeResult['outcome'] }> {
    return this.mutate(input.facts.conversationId, (existing) => {
      const now = this.now();
      if (existing === undefined) {
        const record = newRecordFromActivity(input, now);
        return { kind: 'write', record, finish: (conversation) => (input.change === undefined ? { conversation } : { conversation, verdict: 'applied' as const }) };
      }
      const { record, verdict } = recordAfterActivity(existing, input, now);
      const outcome = verdict === undefined ? undefined : verdict === 'applied' ? ('applied' as const) : ('superseded' as const);
      return { kind: 'write', record, finish: (conversation) => (outcome === undefined ? { conversation } : { conversation, verdict: outcome }) };
    });
  }

  async applyStatusChange(conversationId: string, change: StatusChange, options: ConditionalWriteOptions = {}): Promise<StatusChangeResult> {
    return this.mutate<StatusChangeResult>(conversationId, (existing) => {
      if (existing === undefined) return { kind: 'done', value: { outcome: 'notFound' } };
      if (options.ifMatch !== undefined && existing.etag !== options.ifMatch) return { kind: 'done', value: { outcome: 'superseded', conversation: existing } };
      const { record, verdict } = recordAfterStatusChange(existing, change, this.now());
      if (verdict !== 'applied') return { kind: 'done', value: { outcome: 'superseded', conversation: existing } };
      return { kind: 'write', record, finish: (conversation) => ({ outcome: 'applied', conversation }) };
    });
  }

  async markRemoved(conversationId: string, reason: string, at: Date, options: ConditionalWriteOptions = {}): Promise<StatusChangeResult> {
    return this.applyStatusChange(conversationId, { status: 'removed', reason, at }, options);
  }

  async setServiceUrlOverride(conversationId: string, serviceUrl: string | undefined, options: ConditionalWriteOptions = {}): Promise<StoredConversation | undefined> {
    return this.mutate<StoredConversation | undefined>(conversationId, (existing) => {
      if (existing === undefined) return { kind: 'done', value: undefined };
      if (options.ifMatch !== undefined && existing.etag !== options.ifMatch) return { kind: 'done', value: existing };
      if (existing.serviceUrlOverride === serviceUrl) return { kind: 'done', value: existing };
      return { kind: 'write', record: recordWithServiceUrlOverride(existing, serviceUrl, this.now()), finish: (conversation) => conversation };
    });
  }

  async findPersonal(tenantId: string, userAadObjectId: string): Promise<StoredConversation | undefined> {
    await this.tables.ensure();
    const range = tenantUserRange(userAadObjectId);
    const rows = await this.allIndexRows(odata`PartitionKey eq ${tenantPartition(tenantId)} and RowKey ge ${range.from} and RowKey lt ${range.to}`);
    const records = await this.readAll(rows.map((row) => row.conversationId));
    return preferred(records.filter((r) => r.tenantId === tenantId && r.scope === 'personal' && r.userAadObjectId === userAadObjectId));
  }

  async findTeamChannel(teamId: string, channelId?: string, options: { tenantId?: string } = {}): Promise<StoredConversation | undefined> {
    await this.tables.ensure();
    const wanted = channelId ?? teamId;
    const matches = (c: ConversationSummary): boolean =>
      !c.isThread && c.teamId === teamId && c.teamsChannelId === wanted && (options.tenantId === undefined || c.tenantId === options.tenantId);
    const range = teamConversationRange();
    const rows = await this.allIndexRows(odata`PartitionKey eq ${teamPartition(teamId)} and RowKey ge ${range.from} and RowKey lt ${range.to}`);
    const records = await this.readAll(rows.filter(matches).map((row) => row.conversationId));
    return preferred(records.filter(matches));
  }

  async *listByTeam(teamId: string): AsyncIterable<ConversationSummary[]> {
    await this.tables.ensure();
    const range = teamConversationRange();
    yield* this.indexPages(odata`PartitionKey eq ${teamPartition(teamId)} and RowKey ge ${range.from} and RowKey lt ${range.to}`, maxPageSize);
  }

  async *listByTenant(tenantId: string, options: ListByTenantOptions = {}): AsyncIterable<ConversationSummary[]> {
    let continuationToken: string | undefined;
    do {
      const page = await this.listTenantPage(tenantId, continuationToken === undefined ? options : { ...options, continuationToken });
      if (page.conversations.length > 0) yield page.conversations;
      continuationToken = page.continuationToken;
    } while (continuationToken !== undefined);
  }

  async listTenantPage(tenantId: string, options: TenantPageOptions = {}): Promise<TenantPage> {
    await this.tables.ensure();
    const range = tenantConversationRange(options.scope);
    let filter = odata`PartitionKey eq ${tenantPartition(tenantId)} and RowKey ge ${range.from} and RowKey lt ${range.to}`;
    // Without a scope the range spans every kind, threads included; they are replies, not targets.
    if (options.scope === undefined) filter += ' and isThread eq false';
    if (options.status !== undefined) filter += odata` and status eq ${options.status}`;
    // The service's own token: the query is fixed by the arguments, and fan-out steps already queued carry it.
    const pages = this.index.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: clampPageSize(options.pageSize ?? maxPageSize), continuationToken: options.continuationToken });
    const next = await storageCall('list conversation index rows', async () => pages.next());
    if (next.done === true) return { conversations: [] };
    const conversations = next.value.map((entity) => summaryFromIndexRow(indexRowFromEntity(entity)));
    const token = next.value.continuationToken;
    return token === undefined ? { conversations } : { conversations, continuationToken: token };
  }

  async list(filter: ConversationFilter, page: PageOptions = {}): Promise<ConversationPage> {
    if (filter.userId !== undefined && filter.tenantId === undefined) {
      throw new GatewayError(errorCodes.BadRequest, 'A user filter needs the tenant: user object ids are per tenant.', [{ path: 'tenantId', message: 'is required with userId' }]);
    }
    await this.tables.ensure();
    const query = listQuery(filter);
    const fingerprint = queryFingerprint(`${query.source}\n${query.filter ?? ''}`);
    let continuationToken = page.continuationToken === undefined ? undefined : decodeContinuationToken(page.continuationToken, fingerprint);
    const pageSize = clampPageSize(page.pageSize ?? defaultPageSize);
    const client = query.source === 'index' ? this.index : this.conversations;
    const items: StoredConversation[] = [];
    for (let round = 0; round < maxPagesPerListCall && items.length === 0; round++) {
      const pages = client.listEntities(query.filter === undefined ? {} : { queryOptions: { filter: query.filter } }).byPage({ maxPageSize: pageSize, continuationToken });
      const next = await storageCall('list conversations', async () => pages.next());
      const rows: unknown[] = next.done === true ? [] : next.value;
      continuationToken = next.done === true ? undefined : next.value.continuationToken;
      if (query.source === 'primary') {
        items.push(...rows.map(conversationFromEntity));
      } else {
        // The index points; the record decides (a row can lag its record for a moment).
        const records = await this.readAll(rows.map((row) => indexRowFromEntity(row).conversationId));
        items.push(...records.filter((record) => matchesFilter(record, filter)));
      }
      if (continuationToken === undefined) break;
    }
    return continuationToken === undefined ? { items } : { items, continuationToken: encodeContinuationToken(continuationToken, fingerprint) };
  }

  async checkHealth(options: { abortSignal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.conversations.getEntity('health', 'probe', options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal });
    } catch (error) {
      // Not found (entity or table) means the service answered.
      if (statusCodeOf(error) === 404) return;
      throw storageFailure(error, 'answer a health probe');
    }
  }

  private async mutate<R>(conversationId: string, plan: (existing: StoredConversation | undefined) => Plan<R>): Promise<R> {
    await this.tables.ensure();
    for (let attempt = 1; attempt <= this.maxWriteAttempts; attempt++) {
      const existing = await this.read(conversationId);
      const step = plan(existing);
      if (step.kind === 'done') return step.value;
      const { record, syncIndex } = withIndexPlan(existing, step.record, this.now());
      const etag = existing === undefined ? await this.tryCreate(record) : await this.tryReplace(record, existing.etag);
      if (etag !== undefined) {
        const stored: StoredConversation = { ...record, etag };
        if (syncIndex) await this.syncIndex(stored);
        return step.finish(stored);
      }
      // Lost the race: spread the retries a little so a crowd of writers does not collide in lockstep.
      await sleep(Math.floor(Math.random() * 4 * attempt));
    }
    throw new GatewayError(errorCodes.ConcurrencyConflict, `Conversation ${conversationId} kept changing; gave up after ${this.maxWriteAttempts} attempts`);
  }

  private async read(conversationId: string): Promise<StoredConversation | undefined> {
    const keys = conversationEntityKeys(conversationId);
    const entity = await getEntityOrUndefined(this.conversations, keys.partitionKey, keys.rowKey, 'read a conversation');
    return entity === undefined ? undefined : conversationFromEntity(entity);
  }

  private async readAll(conversationIds: readonly string[]): Promise<StoredConversation[]> {
    const unique = [...new Set(conversationIds)];
    const records = await Promise.all(unique.map(async (id) => this.read(id)));
    return records.filter((record): record is StoredConversation => record !== undefined);
  }

  /** The new ETag, or undefined when someone created it first (409). */
  private async tryCreate(record: ConversationRecord): Promise<string | undefined> {
    return tryCreateEntity(this.conversations, conversationToEntity(record), 'create a conversation');
  }

  /** The new ETag, or undefined when the record changed since it was read (412) or is gone (404). */
  private async tryReplace(record: ConversationRecord, etag: string): Promise<string | undefined> {
    return tryReplaceEntity(this.conversations, conversationToEntity(record), etag, 'update a conversation');
  }

  private async syncIndex(written: ConversationRecord): Promise<void> {
    let current = written;
    for (let round = 0; round < maxIndexSyncRounds; round++) {
      const rows = indexRowsOf(current);
      await storageCall('write conversation index rows', async () => {
        await Promise.all(rows.map(async (row) => this.index.upsertEntity(indexRowToEntity(row), 'Replace')));
      });
      const fresh = await this.read(current.conversationId);
      if (fresh === undefined || fresh.revision <= current.revision) return;
      current = fresh;
    }
  }

  private async allIndexRows(filter: string): Promise<ConversationSummary[]> {
    const rows: ConversationSummary[] = [];
    for await (const page of this.indexPages(filter, maxPageSize)) rows.push(...page);
    return rows;
  }

  private async *indexPages(filter: string, pageSize: number): AsyncIterable<ConversationSummary[]> {
    const pages = this.index.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: pageSize });
    for (;;) {
      const next = await storageCall('list conversation index rows', async () => pages.next());
      if (next.done === true) return;
      const summaries = next.value.map((entity) => summaryFromIndexRow(indexRowFromEntity(entity)));
      if (summaries.length > 0) yield summaries;
    }
  }
}

export function createTableConversationStore(options: TableConversationStoreOptions): ConversationStore {
  return new TableConversationStore(options);
}

/** Active before removed; then the most recent status decision. */
function preferred(records: readonly StoredConversation[]): StoredConversation | undefined {
  return [...records].sort((a, b) => {
    if (a.status !== b.status) return a.status === 'active' ? -1 : 1;
    return Date.parse(b.statusChangedAt) - Date.parse(a.statusChangedAt);
  })[0];
}

function listQuery(filter: ConversationFilter): { source: 'index' | 'primary'; filter?: string } {
  const status = filter.status === undefined ? '' : odata` and status eq ${filter.status}`;
  if (filter.teamId !== undefined) {
    const range = teamConversationRange();
    const tenant = filter.tenantId === undefined ? '' : odata` and tenantId eq ${filter.tenantId}`;
    return { source: 'index', filter: odata`PartitionKey eq ${teamPartition(filter.teamId)} and RowKey ge ${range.from} and RowKey lt ${range.to}` + tenant + status };
  }
  if (filter.tenantId !== undefined) {
    const range = filter.userId === undefined ? tenantConversationRange() : tenantUserRange(filter.userId);
    return { source: 'index', filter: odata`PartitionKey eq ${tenantPartition(filter.tenantId)} and RowKey ge ${range.from} and RowKey lt ${range.to}` + status };
  }
  // No tenant, user or team: the whole table, which is what an unfiltered listing asks for.
  return filter.status === undefined ? { source: 'primary' } : { source: 'primary', filter: odata`status eq ${filter.status}` };
}

function matchesFilter(record: StoredConversation, filter: ConversationFilter): boolean {
  return (
    (filter.tenantId === undefined || record.tenantId === filter.tenantId) &&
    (filter.userId === undefined || record.userAadObjectId === filter.userId) &&
    (filter.teamId === undefined || record.teamId === filter.teamId) &&
    (filter.status === undefined || record.status === filter.status)
  );
}

function clampPageSize(size: number): number {
  return Math.min(maxPageSize, Math.max(1, Math.floor(size)));
}

/** The SDK's token plus a fingerprint of the query it belongs to, so a token is not replayed on another filter. */
function encodeContinuationToken(sdkToken: string, fingerprint: string): string {
  return encodeOpaqueToken({ q: fingerprint, t: sdkToken });
}

function decodeContinuationToken(token: string, fingerprint: string): string {
  const decoded = decodeOpaqueToken(token);
  const sdkToken = decoded?.q === fingerprint ? decoded.t : undefined;
  if (typeof sdkToken === 'string') return sdkToken;
  throw new GatewayError(errorCodes.BadRequest, 'The continuation token is not valid for this query.', [
    { path: 'continuationToken', message: 'use the token from the previous page of the same query' },
  ]);
}
