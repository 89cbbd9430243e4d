import { odata, type TableClient } from '@azure/data-tables';

import { statusCodeOf, storageCall, storageFailure, TablesOnce } from '../store/tableStorageCalls';
import { type DueCheckIndex } from './dueCheckIndex';
import { type DueCheck, dueCheckPartitionKey, partitionKeyAfterMinuteOf } from './dueCheckKeys';

/** The due-check index on Azure Table Storage (adapter); keys in dueCheckKeys.ts. */
export class TableDueChecks implements DueCheckIndex {
  private readonly tables: TablesOnce;

  constructor(private readonly table: TableClient) {
    this.tables = new TablesOnce([table]);
  }

  async watch(notificationId: string, since: Date): Promise<void> {
    await this.tables.ensure();
    const entity = { partitionKey: dueCheckPartitionKey(notificationId, since), rowKey: notificationId, since: since.toISOString() };
    await storageCall('watch a notification', async () => this.table.upsertEntity(entity, 'Replace'));
  }

  async due(cutoff: Date, limit: number): Promise<DueCheck[]> {
    await this.tables.ensure();
    const filter = odata`PartitionKey lt ${partitionKeyAfterMinuteOf(cutoff)}`;
    const pages = this.table.listEntities<{ since?: unknown }>({ queryOptions: { filter } }).byPage({ maxPageSize: limit });
    const checks: DueCheck[] = [];
    const cutoffText = cutoff.toISOString();
    await storageCall('list due checks', async () => {
      // A range across partitions may come back in several short pages; stop once `limit` rows are read.
      for await (const page of pages) {
        for (const row of page) {
          const since = typeof row.since === 'string' ? row.since : '';
          // Rows of the cutoff's own minute that moved after it are not due yet.
          if (since < cutoffText) checks.push({ notificationId: row.rowKey ?? '', since, partitionKey: row.partitionKey ?? '' });
        }
        if (checks.length >= limit) break;
      }
    });
    return checks.slice(0, limit);
  }

  async reschedule(check: DueCheck, since: Date): Promise<void> {
    await this.watch(check.notificationId, since);
    if (dueCheckPartitionKey(check.notificationId, since) !== check.partitionKey) await this.drop(check);
  }

  async drop(check: DueCheck): Promise<void> {
    await this.tables.ensure();
    try {
      await this.table.deleteEntity(check.partitionKey, check.notificationId);
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw storageFailure(error, 'drop a due check');
    }
  }
}
