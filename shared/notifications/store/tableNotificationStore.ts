import { setTimeout as sleep } from 'node:timers/promises';

import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';

import { errorCodes, GatewayError } from '../../errors';
import { type DueCheckIndex } from '../../reconciliation/dueCheckIndex';
import { decodeOpaqueToken, encodeOpaqueToken } from '../../store/opaqueToken';
import { encodeKeyPart } from '../../store/tableKeyEncoding';
import {
  getEntityOrUndefined,
  listRowsInKeyRange,
  statusCodeOf,
  storageCall,
  storageFailure,
  TablesOnce,
  tryCreateEntity,
  tryReplaceEntity,
} from '../../store/tableStorageCalls';
import { allNotificationsPartition, listEntryFromEntity, listEntryToEntities, listRowKeyRange, type NotificationListEntry, tagPartition } from '../status/notificationListIndex';
import { type DeliveryTally, emptyTally, tallyDelivery } from '../status/notificationProgress';
import * as transitions from './deliveryTransitions';
import {
  deliveryFromEntity,
  deliveryProgressColumns,
  deliveryProgressFromEntity,
  deliveryRowKey,
  deliveryToEntity,
  fanOutFromEntity,
  fanOutRowKey,
  fanOutRowKeyRange,
  fanOutToEntity,
  notificationFromEntity,
  notificationRowKey,
  notificationToEntity,
  responseFromEntity,
  responseRowKey,
  responseToEntity,
} from './notificationEntity';
import {
  type CopyOperationState,
  type DeliveryError,
  type DeliveryPage,
  type DeliveryPageOptions,
  type DeliveryRecord,
  type DeliveryTransition,
  type DeliveryTransitionResult,
  type FanOutProgress,
  type NotificationListIndexPage,
  type NotificationListIndexQuery,
  type NotificationRecord,
  type NotificationStore,
  type SavedIntakeResponse,
} from './notificationStore';

export interface TableNotificationStoreOptions {
  /** Table `notifications` (tableNames.notifications). */
  notifications: TableClient;
  /** Table `deliveries` (tableNames.deliveries). */
  deliveries: TableClient;
  now: () => Date;
  /**
   * The reconciler's index: every new notification is watched from the moment it is due to move (its
   * sendAt, else now), written before the notification itself so no crash leaves one unwatched.
   */
  dueChecks?: DueCheckIndex;
  /** Read-transition-write rounds before a hot delivery gives up with CONCURRENCY_CONFLICT. */
  maxWriteAttempts?: number;
}

/** A Table batch (entity group transaction) holds at most 100 operations, all in one partition. */
export const maxBatchSize = 100;
const defaultPageSize = 100;
const maxPageSize = 1000;
/** Delivery batches written at once by addDeliveries. */
const concurrentBatches = 4;
/** Parallel single-entity requests when a batch has to be replayed entity by entity. */
const perEntityConcurrency = 16;

/**
 * The notification store on Azure Table Storage (adapter). Deliveries of one notification share a partition,
 * so they are written in batches of 100 and counted with one status-only query. Delivery changes go through
 * the pure transitions in deliveryTransitions.ts with the read ETag; a 412 repeats the round on a fresh read.
 */
export class TableNotificationStore implements NotificationStore {
  private readonly notifications: TableClient;
  private readonly deliveries: TableClient;
  private readonly now: () => Date;
  private readonly maxWriteAttempts: number;
  private readonly tables: TablesOnce;
  private readonly dueChecks: DueCheckIndex | undefined;

  constructor(options: TableNotificationStoreOptions) {
    this.notifications = options.notifications;
    this.deliveries = options.deliveries;
    this.now = options.now;
    this.dueChecks = options.dueChecks;
    this.maxWriteAttempts = options.maxWriteAttempts ?? 25;
    this.tables = new TablesOnce([options.notifications, options.deliveries]);
  }

  async getNotification(id: string): Promise<NotificationRecord | undefined> {
    await this.tables.ensure();
    const entity = await getEntityOrUndefined(this.notifications, id, notificationRowKey, 'read a notification');
    return entity === undefined ? undefined : notificationFromEntity(entity);
  }

  async createNotification(record: NotificationRecord): Promise<{ created: boolean; record: NotificationRecord }> {
    await this.tables.ensure();
    await this.dueChecks?.watch(record.id, watchedFrom(record));
    for (let attempt = 1; attempt <= this.maxWriteAttempts; attempt++) {
      const etag = await tryCreateEntity(this.notifications, notificationToEntity(record), 'create a notification');
      if (etag !== undefined) return { created: true, record: { ...record, etag } };
      const existing = await this.getNotification(record.id);
      if (existing !== undefined) return { created: false, record: existing };
    }
    throw new GatewayError(errorCodes.ConcurrencyConflict, `Notification ${record.id} could not be created or read`);
  }

  async replaceNotification(record: NotificationRecord): Promise<NotificationRecord | undefined> {
    await this.tables.ensure();
    const { etag } = record;
    if (etag === undefined) throw new GatewayError(errorCodes.Internal, 'replaceNotification needs the ETag the record was read with');
    const written = await tryReplaceEntity(this.notifications, notificationToEntity(record), etag, 'update a notification');
    return written === undefined ? undefined : { ...record, etag: written };
  }

  async getIntakeResponse(id: string): Promise<string | undefined> {
    await this.tables.ensure();
    const entity = await getEntityOrUndefined(this.notifications, id, responseRowKey, 'read a notification response');
    return entity === undefined ? undefined : responseFromEntity(entity);
  }

  async saveIntakeResponse(record: NotificationRecord, responseJson: string): Promise<SavedIntakeResponse> {
    await this.tables.ensure();
    // The response and the record share a partition: one transaction stores the 202 and marks it accepted.
    // A 409 (a response stands) or 412 (the record changed) fails it whole; then each part is done alone.
    if (record.etag !== undefined && record.state !== 'accepted') {
      const accepted = notificationToEntity({ ...record, state: 'accepted', updatedAt: this.now().toISOString() });
      const actions: TransactionAction[] = [['create', responseToEntity(record.id, responseJson)], ['update', accepted, 'Replace', { etag: record.etag }]];
      try {
        await this.notifications.submitTransaction(actions);
        return { responseJson, accepted: true };
      } catch (error) {
        const status = statusCodeOf(error);
        if (status !== 409 && status !== 412 && status !== 404) throw storageFailure(error, 'store a notification response');
      }
    }
    const etag = await tryCreateEntity(this.notifications, responseToEntity(record.id, responseJson), 'store a notification response');
    if (etag !== undefined) return { responseJson, accepted: false };
    return { responseJson: (await this.getIntakeResponse(record.id)) ?? responseJson, accepted: false };
  }

  async addToList(entry: NotificationListEntry): Promise<void> {
    await this.tables.ensure();
    // Insert-if-absent, row by row: the two rows are in different partitions (no batch), and a repeat finds them.
    for (const row of listEntryToEntities(entry)) await tryCreateEntity(this.notifications, row, 'list a notification');
  }

  async listNotificationEntries(query: NotificationListIndexQuery): Promise<NotificationListIndexPage> {
    await this.tables.ensure();
    const partition = query.tag === undefined ? allNotificationsPartition : tagPartition(query.tag);
    const { from, to } = listRowKeyRange(query);
    const conditions = [odata`PartitionKey eq ${partition}`];
    if (from !== undefined) conditions.push(odata`RowKey ge ${from}`);
    if (to !== undefined) conditions.push(odata`RowKey lt ${to}`);
    if (query.after !== undefined) conditions.push(odata`RowKey gt ${query.after}`);
    // One row more than asked tells whether a next page exists without handing out a token to an empty one.
    const wanted = query.pageSize + 1;
    const rows: ReturnType<typeof listEntryFromEntity>[] = [];
    const pages = this.notifications.listEntities({ queryOptions: { filter: conditions.join(' and ') } }).byPage({ maxPageSize: wanted });
    await storageCall('list notifications', async () => {
      for await (const page of pages) {
        for (const entity of page) rows.push(listEntryFromEntity(entity));
        if (rows.length >= wanted) break;
      }
    });
    const entries = rows.slice(0, query.pageSize);
    const last = entries.at(-1);
    const page: NotificationListIndexPage = { entries: entries.map(({ rowKey: _rowKey, ...entry }) => entry) };
    if (rows.length > query.pageSize && last !== undefined) page.next = last.rowKey;
    return page;
  }

  async startFanOut(progress: FanOutProgress): Promise<void> {
    await this.tables.ensure();
    await tryCreateEntity(this.notifications, fanOutToEntity(progress), 'start a fan-out');
  }

  async getFanOutProgress(notificationId: string, targetIndex: number): Promise<FanOutProgress | undefined> {
    await this.tables.ensure();
    const entity = await getEntityOrUndefined(this.notifications, notificationId, fanOutRowKey(targetIndex), 'read fan-out progress');
    return entity === undefined ? undefined : fanOutFromEntity(entity);
  }

  async saveFanOutProgress(progress: FanOutProgress): Promise<void> {
    await this.tables.ensure();
    await storageCall('store fan-out progress', async () => this.notifications.upsertEntity(fanOutToEntity(progress), 'Replace'));
  }

  async listFanOutProgress(notificationId: string): Promise<FanOutProgress[]> {
    await this.tables.ensure();
    const rows = await listRowsInKeyRange(this.notifications, notificationId, fanOutRowKeyRange, fanOutFromEntity, 'list fan-out progress');
    return rows.sort((a, b) => a.targetIndex - b.targetIndex);
  }

  async addDeliveries(records: readonly DeliveryRecord[]): Promise<DeliveryRecord[]> {
    if (records.length === 0) return [];
    await this.tables.ensure();
    const partitions = new Set(records.map((record) => record.notificationId));
    if (partitions.size > 1) throw new GatewayError(errorCodes.Internal, 'addDeliveries takes the deliveries of one notification at a time');
    // One row per key: the first record of a key is the one written (callers dedupe already; a batch must).
    const firstByRowKey = new Map<string, DeliveryRecord>();
    for (const record of records) if (!firstByRowKey.has(deliveryRowKey(record))) firstByRowKey.set(deliveryRowKey(record), record);
    const unique = [...firstByRowKey.values()];
    const stored = new Map<string, DeliveryRecord>();
    // A few batches in flight at once: a fan-out page is 10 batches, and one at a time leaves the storage
    // service idle while each answer travels. Rows are unique per key, so batches never overlap.
    const batches: DeliveryRecord[][] = [];
    for (let start = 0; start < unique.length; start += maxBatchSize) batches.push(unique.slice(start, start + maxBatchSize));
    for (let first = 0; first < batches.length; first += concurrentBatches) {
      const written = await Promise.all(batches.slice(first, first + concurrentBatches).map(async (batch) => this.addBatch(batch)));
      for (const record of written.flat()) stored.set(deliveryRowKey(record), record);
    }
    return records.map((record) => stored.get(deliveryRowKey(record)) ?? record);
  }

  async getDelivery(notificationId: string, key: string): Promise<DeliveryRecord | undefined> {
    await this.tables.ensure();
    const entity = await getEntityOrUndefined(this.deliveries, notificationId, encodeKeyPart(key), 'read a delivery');
    return entity === undefined ? undefined : deliveryFromEntity(entity);
  }

  async listDeliveries(notificationId: string, options: DeliveryPageOptions = {}): Promise<DeliveryPage> {
    await this.tables.ensure();
    const pageSize = Math.min(maxPageSize, Math.max(1, Math.floor(options.pageSize ?? defaultPageSize)));
    const sdkToken = options.continuationToken === undefined ? undefined : decodeContinuationToken(options.continuationToken, notificationId);
    const pages = this.deliveries.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${notificationId}` } }).byPage({ maxPageSize: pageSize, continuationToken: sdkToken });
    const next = await storageCall('list deliveries', async () => pages.next());
    if (next.done === true) return { deliveries: [] };
    const deliveries = next.value.map(deliveryFromEntity);
    const token = next.value.continuationToken;
    return token === undefined ? { deliveries } : { deliveries, continuationToken: encodeContinuationToken(token, notificationId) };
  }

  allDeliveries(notificationId: string): AsyncIterable<DeliveryRecord[]> {
    return this.deliveryPages(odata`PartitionKey eq ${notificationId}`, 'list deliveries');
  }

  /** The deliveries a filter selects, a page of the service at a time (empty pages skipped). */
  private async *deliveryPages(filter: string, action: string): AsyncIterable<DeliveryRecord[]> {
    await this.tables.ensure();
    const pages = this.deliveries.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize });
    for (;;) {
      const next = await storageCall(action, async () => pages.next());
      if (next.done === true) return;
      if (next.value.length > 0) yield next.value.map(deliveryFromEntity);
    }
  }

  async countDeliveries(notificationId: string): Promise<DeliveryTally> {
    await this.tables.ensure();
    const tally = emptyTally();
    const rows = this.deliveries.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${notificationId}`, select: deliveryProgressColumns } });
    await storageCall('count deliveries', async () => {
      for await (const page of rows.byPage({ maxPageSize })) for (const row of page) tallyDelivery(tally, deliveryProgressFromEntity(row));
    });
    return tally;
  }

  async anyPendingDelivery(notificationId: string): Promise<boolean> {
    await this.tables.ensure();
    const rows = this.deliveries.listEntities({ queryOptions: { filter: pendingFilter(notificationId), select: ['RowKey'] } });
    return storageCall('look for a pending delivery', async () => {
      // A filtered page may come back empty with a continuation (the service scans in slices): read on until a row or the end.
      for await (const page of rows.byPage({ maxPageSize: 1 })) if (page.length > 0) return true;
      return false;
    });
  }

  pendingDeliveries(notificationId: string): AsyncIterable<DeliveryRecord[]> {
    return this.deliveryPages(pendingFilter(notificationId), 'list pending deliveries');
  }

  /** `known`: the row as the caller last read or wrote it (with its ETag); the first round then skips the read. */
  async transitionDelivery(notificationId: string, key: string, transition: DeliveryTransition, known?: DeliveryRecord): Promise<DeliveryTransitionResult> {
    await this.tables.ensure();
    for (let attempt = 1; attempt <= this.maxWriteAttempts; attempt++) {
      const current = attempt === 1 && known?.etag !== undefined ? known : await this.getDelivery(notificationId, key);
      if (current?.etag === undefined) return { outcome: 'notFound' };
      const decision = transition(current);
      if (decision.verdict === 'unchanged') return { outcome: 'unchanged', delivery: current };
      const etag = await tryReplaceEntity(this.deliveries, deliveryToEntity(decision.record), current.etag, 'update a delivery');
      if (etag !== undefined) return { outcome: 'applied', delivery: { ...decision.record, etag } };
      // Lost the race: spread the retries a little so writers do not collide in lockstep.
      await sleep(Math.floor(Math.random() * 4 * attempt));
    }
    throw new GatewayError(errorCodes.ConcurrencyConflict, `Delivery ${notificationId}/${key} kept changing; gave up after ${this.maxWriteAttempts} attempts`);
  }

  async transitionDeliveries(rows: readonly DeliveryRecord[], transition: DeliveryTransition): Promise<DeliveryTransitionResult[]> {
    if (rows.length === 0) return [];
    await this.tables.ensure();
    if (new Set(rows.map((row) => row.notificationId)).size > 1) throw new GatewayError(errorCodes.Internal, 'transitionDeliveries takes the deliveries of one notification at a time');
    const results: (DeliveryTransitionResult | undefined)[] = rows.map(() => undefined);
    const writes: { index: number; row: DeliveryRecord; record: DeliveryRecord }[] = [];
    rows.forEach((row, index) => {
      const decision = transition(row);
      if (decision.verdict === 'unchanged') results[index] = { outcome: 'unchanged', delivery: row };
      else writes.push({ index, row, record: decision.record });
    });
    for (let start = 0; start < writes.length; start += maxBatchSize) {
      const batch = writes.slice(start, start + maxBatchSize);
      // A row without its read ETag cannot be written conditionally in a batch; it is redone alone below.
      const conditional = batch.every((write) => write.row.etag !== undefined);
      const written = conditional ? await this.tryBatchReplace(batch.map((write) => ({ record: write.record, etag: write.row.etag ?? '' }))) : undefined;
      if (written !== undefined) {
        batch.forEach((write, i) => (results[write.index] = { outcome: 'applied', delivery: { ...write.record, etag: written[i] ?? '' } }));
        continue;
      }
      // Someone changed a row since it was read: decide again for each row on a fresh read.
      for (let i = 0; i < batch.length; i += perEntityConcurrency) {
        const slice = batch.slice(i, i + perEntityConcurrency);
        const redone = await Promise.all(slice.map(async (write) => this.transitionDelivery(write.row.notificationId, write.row.key, transition)));
        slice.forEach((write, j) => (results[write.index] = redone[j]));
      }
    }
    return results.map((result) => result ?? { outcome: 'notFound' });
  }

  async markSending(notificationId: string, key: string, attempt: number, known?: DeliveryRecord): Promise<DeliveryTransitionResult> {
    return this.transitionDelivery(notificationId, key, transitions.markSending(attempt, this.now()), known);
  }

  async markSent(notificationId: string, key: string, sent: { activityId: string; conversationId?: string; attempt?: number }, known?: DeliveryRecord): Promise<DeliveryTransitionResult> {
    return this.transitionDelivery(notificationId, key, transitions.markSent(sent, this.now()), known);
  }

  async recordInstalling(notificationId: string, key: string): Promise<DeliveryTransitionResult> {
    return this.transitionDelivery(notificationId, key, transitions.recordInstalling(this.now()));
  }

  async recordRetry(notificationId: string, key: string, attempt: number, error: DeliveryError): Promise<DeliveryTransitionResult> {
    return this.transitionDelivery(notificationId, key, transitions.recordRetry(attempt, error, this.now()));
  }

  async markFinished(
    notificationId: string,
    key: string,
    outcome: { status: 'failed' | 'skipped'; error: DeliveryError; failureClass?: string },
  ): Promise<DeliveryTransitionResult> {
    return this.transitionDelivery(notificationId, key, transitions.markFinished(outcome, this.now()));
  }

  async recordCopyOperation(
    notificationId: string,
    key: string,
    result: { operation: 'update' | 'delete'; revision: number; status: CopyOperationState['status']; error?: DeliveryError },
  ): Promise<DeliveryTransitionResult> {
    return this.transitionDelivery(notificationId, key, transitions.recordCopyOperation(result, this.now()));
  }

  async markCancelled(notificationId: string, key: string): Promise<DeliveryTransitionResult> {
    return this.transitionDelivery(notificationId, key, transitions.markCancelled(this.now()));
  }

  /**
   * One batch of creates. A batch is all or nothing, so one existing row (a repeat after a crash, or a
   * conversation another target reached first) fails it with 409; the batch is then replayed entity by entity
   * and the existing rows are read back as they stand.
   */
  private async addBatch(records: readonly DeliveryRecord[]): Promise<DeliveryRecord[]> {
    const actions: TransactionAction[] = records.map((record) => ['create', deliveryToEntity(record)]);
    try {
      await this.deliveries.submitTransaction(actions);
      return [...records];
    } catch (error) {
      if (statusCodeOf(error) !== 409) throw storageFailure(error, 'write deliveries');
    }
    const results: DeliveryRecord[] = [];
    for (let start = 0; start < records.length; start += perEntityConcurrency) {
      const slice = records.slice(start, start + perEntityConcurrency);
      results.push(...(await Promise.all(slice.map(async (record) => this.addOne(record)))));
    }
    return results;
  }

  /** The new ETags in order, or undefined when a row changed since it was read (412) or is gone (404). */
  private async tryBatchReplace(writes: readonly { record: DeliveryRecord; etag: string }[]): Promise<string[] | undefined> {
    const actions: TransactionAction[] = writes.map(({ record, etag }) => ['update', deliveryToEntity(record), 'Replace', { etag }]);
    try {
      const response = await this.deliveries.submitTransaction(actions);
      return writes.map(({ record }) => response.getResponseForEntity(deliveryRowKey(record))?.etag ?? '');
    } catch (error) {
      const status = statusCodeOf(error);
      if (status === 412 || status === 404) return undefined;
      throw storageFailure(error, 'update deliveries');
    }
  }

  private async addOne(record: DeliveryRecord): Promise<DeliveryRecord> {
    const etag = await tryCreateEntity(this.deliveries, deliveryToEntity(record), 'write a delivery');
    if (etag !== undefined) return { ...record, etag };
    const entity = await getEntityOrUndefined(this.deliveries, record.notificationId, deliveryRowKey(record), 'read a delivery');
    // Rows are never deleted, so a 409 always has a row to read; the fallback only guards a broken table.
    return entity === undefined ? record : deliveryFromEntity(entity);
  }

}

export function createTableNotificationStore(options: TableNotificationStoreOptions): NotificationStore {
  return new TableNotificationStore(options);
}

/** A scheduled notification has nothing to do before its sendAt. */
function watchedFrom(record: NotificationRecord): Date {
  const created = Date.parse(record.createdAt);
  const sendAt = record.sendAt === undefined ? created : Date.parse(record.sendAt);
  return new Date(Math.max(created, sendAt));
}

/** The SDK's token, tied to the notification it pages through, so a token is not replayed on another one. */
function encodeContinuationToken(sdkToken: string, notificationId: string): string {
  return encodeOpaqueToken({ n: notificationId, t: sdkToken });
}

function decodeContinuationToken(token: string, notificationId: string): string {
  const decoded = decodeOpaqueToken(token);
  const sdkToken = decoded?.n === notificationId ? decoded.t : undefined;
  if (typeof sdkToken === 'string' && sdkToken !== '') return sdkToken;
  throw new GatewayError(errorCodes.BadRequest, 'The continuation token is not valid for this notification.', [
    { path: 'continuationToken', message: 'use the token from the previous page of the same notification' },
  ]);
}

function pendingFilter(notificationId: string): string {
  return odata`PartitionKey eq ${notificationId} and (status eq ${'queued'} or status eq ${'sending'})`;
}
