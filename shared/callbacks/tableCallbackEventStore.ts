import { type TableClient } from '@azure/data-tables';
import { z } from 'zod';

import { errorCodes, GatewayError } from '../errors';
import { prefixRange } from '../store/tableKeyEncoding';
import { corruptRow, definedColumns, type TableRow } from '../store/tableRow';
import { getEntityOrUndefined, listRowsInKeyRange, TablesOnce, tryCreateEntity, tryReplaceEntity } from '../store/tableStorageCalls';
import { type CallbackAttempt, type CallbackEventRecord, callbackEventStates, callbackEventTypes } from './callbackEvent';
import { type CallbackEventStore } from './callbackEventStore';

/** RK `callback.<eventId>` in the notification's partition of `notifications` (ids are Table-safe as they are). */
const rowKeyPrefix = 'callback.';
const rowKeyRange = prefixRange(rowKeyPrefix);

const attemptSchema = z.object({
  at: z.string(),
  outcome: z.enum(['delivered', 'retry', 'failed']),
  status: z.number().int().optional(),
  code: z.string().optional(),
});

const entitySchema = z.object({
  partitionKey: z.string().min(1),
  etag: z.string().optional(),
  eventId: z.string().min(1),
  type: z.enum(callbackEventTypes),
  url: z.string(),
  state: z.enum(callbackEventStates),
  attemptsJson: z.string(),
  nextAttemptAt: z.string().optional(),
  bodyJson: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function callbackEventToEntity(record: CallbackEventRecord): TableRow {
  return {
    partitionKey: record.notificationId,
    rowKey: `${rowKeyPrefix}${record.eventId}`,
    ...definedColumns({
      eventId: record.eventId,
      type: record.type,
      url: record.url,
      state: record.state,
      attemptsJson: JSON.stringify(record.attempts),
      nextAttemptAt: record.nextAttemptAt,
      bodyJson: record.bodyJson,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    }),
  };
}

export function callbackEventFromEntity(entity: unknown): CallbackEventRecord {
  const parsed = entitySchema.safeParse(entity);
  if (!parsed.success) throw corruptRow('callback event', parsed.error);
  const { partitionKey, attemptsJson, ...rest } = parsed.data;
  const attempts = z.array(attemptSchema).safeParse(JSON.parse(attemptsJson));
  if (!attempts.success) throw corruptRow('callback event', attempts.error);
  return definedColumns({ notificationId: partitionKey, ...rest, attempts: attempts.data.map((attempt) => definedColumns<CallbackAttempt>(attempt)) });
}

/** The callback events on Azure Table Storage (adapter of CallbackEventStore). */
export class TableCallbackEventStore implements CallbackEventStore {
  private readonly tables: TablesOnce;

  constructor(private readonly table: TableClient) {
    this.tables = new TablesOnce([table]);
  }

  async addEvent(record: CallbackEventRecord): Promise<CallbackEventRecord> {
    await this.tables.ensure();
    const etag = await tryCreateEntity(this.table, callbackEventToEntity(record), 'store a callback event');
    if (etag !== undefined) return { ...record, etag };
    const standing = await this.getEvent(record.notificationId, record.eventId);
    if (standing === undefined) throw new GatewayError(errorCodes.ConcurrencyConflict, `Callback event ${record.eventId} could not be created or read`);
    return standing;
  }

  async getEvent(notificationId: string, eventId: string): Promise<CallbackEventRecord | undefined> {
    await this.tables.ensure();
    const entity = await getEntityOrUndefined(this.table, notificationId, `${rowKeyPrefix}${eventId}`, 'read a callback event');
    return entity === undefined ? undefined : callbackEventFromEntity(entity);
  }

  async replaceEvent(record: CallbackEventRecord): Promise<CallbackEventRecord | undefined> {
    await this.tables.ensure();
    if (record.etag === undefined) throw new GatewayError(errorCodes.Internal, 'replaceEvent needs the ETag the event was read with');
    const etag = await tryReplaceEntity(this.table, callbackEventToEntity(record), record.etag, 'update a callback event');
    return etag === undefined ? undefined : { ...record, etag };
  }

  async listEvents(notificationId: string): Promise<CallbackEventRecord[]> {
    await this.tables.ensure();
    const rows = await listRowsInKeyRange(this.table, notificationId, rowKeyRange, callbackEventFromEntity, 'list callback events');
    return rows.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
