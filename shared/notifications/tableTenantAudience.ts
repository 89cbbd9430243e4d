import { odata, type TableClient } from '@azure/data-tables';

import { type ConversationScope } from '../activity/conversationFacts';
import { ensureError, errorCodes, GatewayError } from '../errors';
import { indexRowFromEntity, summaryFromIndexRow } from '../store/conversationEntity';
import { tenantConversationRange, tenantPartition } from '../store/conversationIndexRows';
import { type TenantTargetScope } from './notificationTarget';
import { type TenantAudience, type TenantAudiencePage } from './tenantAudience';

/** A tenant target's scope as the index's conversation kind; `all` is every kind but reply threads. */
const kindOfScope: Readonly<Record<TenantTargetScope, ConversationScope | undefined>> = {
  personal: 'personal',
  groupChat: 'groupChat',
  team: 'channel',
  all: undefined,
};

/** The service caps a page at 1,000 rows. */
const maxPageSize = 1000;

/**
 * The audience read from the conversation store's tenant index (table `conversationIndex`, one partition
 * per tenant: no other tenant's rows are read), with the SDK's continuation token so a fan-out step can
 * resume where the previous one stopped. ConversationStore.listByTenant reads the same rows but as one
 * iteration that cannot be resumed across queue messages.
 */
export class TableTenantAudience implements TenantAudience {
  constructor(private readonly index: TableClient) {}

  async page(tenantId: string, scope: TenantTargetScope, options: { continuationToken?: string; pageSize: number }): Promise<TenantAudiencePage> {
    const kind = kindOfScope[scope];
    const range = tenantConversationRange(kind);
    let filter = odata`PartitionKey eq ${tenantPartition(tenantId)} and RowKey ge ${range.from} and RowKey lt ${range.to} and status eq ${'active'}`;
    // Without a kind the range spans every kind, threads included; they are replies, not targets.
    if (kind === undefined) filter += ' and isThread eq false';
    const pageSize = Math.min(maxPageSize, Math.max(1, Math.floor(options.pageSize)));
    try {
      const pages = this.index.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: pageSize, continuationToken: options.continuationToken });
      const next = await pages.next();
      if (next.done === true) return { conversations: [] };
      const conversations = next.value.map((entity) => summaryFromIndexRow(indexRowFromEntity(entity)));
      const token = next.value.continuationToken;
      return token === undefined ? { conversations } : { conversations, continuationToken: token };
    } catch (thrown) {
      if (statusCodeOf(thrown) === 404) return { conversations: [] }; // no index table yet: nobody to reach
      if (thrown instanceof GatewayError) throw thrown;
      const error = ensureError(thrown);
      throw new GatewayError(errorCodes.StorageUnavailable, `Table storage failed to list a tenant's conversations: ${error.message}`, [], { cause: error });
    }
  }
}

export function createTableTenantAudience(index: TableClient): TenantAudience {
  return new TableTenantAudience(index);
}

function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}
