import { odata, type TableClient } from '@azure/data-tables';

import { ensureError, errorCodes, GatewayError } from '../errors';

/**
 * Table Storage calls as the Table adapters (conversations, notifications) need them: an expected answer
 * (404 absent, 409 exists, 412 changed) becomes `undefined` for the caller to decide on, anything else
 * STORAGE_UNAVAILABLE. One place, so both adapters read the service's answers the same way.
 */

/** The HTTP status of an SDK error (RestError), if it has one. */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Anything storage throws becomes STORAGE_UNAVAILABLE with the status and service code (no request details). */
export function storageFailure(thrown: unknown, action: string): GatewayError {
  if (thrown instanceof GatewayError) return thrown;
  const error = ensureError(thrown);
  const status = statusCodeOf(thrown);
  const code = typeof thrown === 'object' && thrown !== null ? (thrown as { code?: unknown }).code : undefined;
  const detail = [status === undefined ? undefined : `status ${status}`, typeof code === 'string' ? code : undefined].filter((part) => part !== undefined).join(', ');
  return new GatewayError(errorCodes.StorageUnavailable, `Table storage failed to ${action}${detail === '' ? '' : ` (${detail})`}`, [], { cause: error });
}

/** Runs one storage call; a failure becomes storageFailure(…, action). */
export async function storageCall<T>(action: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw storageFailure(error, action);
  }
}

/** Point read; undefined when the entity (or the table) is absent (404). */
export async function getEntityOrUndefined(table: TableClient, partitionKey: string, rowKey: string, action: string): Promise<Record<string, unknown> | undefined> {
  try {
    return await table.getEntity<Record<string, unknown>>(partitionKey, rowKey);
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw storageFailure(error, action);
  }
}

/** The new ETag, or undefined when the entity exists already (409). */
export async function tryCreateEntity(table: TableClient, entity: Parameters<TableClient['createEntity']>[0], action: string): Promise<string | undefined> {
  try {
    const response = await table.createEntity(entity);
    return response.etag ?? '';
  } catch (error) {
    if (statusCodeOf(error) === 409) return undefined;
    throw storageFailure(error, action);
  }
}

/** The new ETag, or undefined when the entity changed since it was read (412) or is gone (404). */
export async function tryReplaceEntity(table: TableClient, entity: Parameters<TableClient['updateEntity']>[0], etag: string, action: string): Promise<string | undefined> {
  try {
    const response = await table.updateEntity(entity, 'Replace', { etag });
    return response.etag ?? '';
  } catch (error) {
    const status = statusCodeOf(error);
    if (status === 412 || status === 404) return undefined;
    throw storageFailure(error, action);
  }
}

/** Every row of one partition whose RowKey is in `[range.from, range.to)`, each parsed by `parse`. */
export async function listRowsInKeyRange<T>(
  table: TableClient,
  partitionKey: string,
  range: { from: string; to: string },
  parse: (entity: unknown) => T,
  action: string,
): Promise<T[]> {
  const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${range.from} and RowKey lt ${range.to}`;
  const rows: T[] = [];
  await storageCall(action, async () => {
    for await (const entity of table.listEntities({ queryOptions: { filter } })) rows.push(parse(entity));
  });
  return rows;
}

/**
 * Creates an adapter's tables on first use, once per process; a failure is forgotten so the next call tries
 * again (a transient outage at start-up must not stick).
 */
export class TablesOnce {
  private ready: Promise<void> | undefined;

  constructor(private readonly tables: readonly TableClient[]) {}

  async ensure(): Promise<void> {
    this.ready ??= storageCall('create tables', async () => {
      await Promise.all(this.tables.map(async (table) => table.createTable()));
    }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
