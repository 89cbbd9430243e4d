import { z } from 'zod';

import { conversationScopes } from '../activity/conversationFacts';
import { conversationStatuses } from '../activity/conversationLifecycle';
import { conversationReferenceSchema } from '../activity/conversationReference';
import { errorCodes, GatewayError } from '../errors';
import { type ConversationSummary, type IndexRow } from './conversationIndexRows';
import { type ConversationRecord, type StoredConversation } from './storedConversation';
import { conversationEntityKeys } from './tableKeyEncoding';
import { corruptRow, definedColumns, type TableRow } from './tableRow';

/**
 * Records as Table entities and back. Tables hold flat properties, so the reference is one JSON string
 * (well under the 64 KiB property limit) and the rest are columns an operator can read in Storage Explorer.
 * Reading is an edge too: entities are parsed, not trusted.
 */
const schemaVersion = 1;

const optionalText = z.string().optional();

const summaryShape = {
  conversationId: z.string().min(1),
  tenantId: z.string(),
  scope: z.enum(conversationScopes),
  isThread: z.boolean(),
  teamId: optionalText,
  teamsChannelId: optionalText,
  userAadObjectId: optionalText,
  status: z.enum(conversationStatuses),
  statusReason: optionalText,
  statusChangedAt: z.string(),
};

const conversationEntitySchema = z.object({
  ...summaryShape,
  etag: z.string(),
  reference: z.string(),
  referenceAt: z.string(),
  removedReason: optionalText,
  removedAt: optionalText,
  serviceUrlOverride: optionalText,
  createdAt: z.string(),
  updatedAt: z.string(),
  revision: z.number().int(),
  indexedAt: optionalText,
});

const indexEntitySchema = z.object({ ...summaryShape, partitionKey: z.string(), rowKey: z.string(), revision: z.number().int() });

export function conversationToEntity(record: ConversationRecord): TableRow {
  // A StoredConversation may be passed: its etag is a write condition, not a column.
  const { reference, etag: _etag, ...columns } = record as ConversationRecord & { etag?: string };
  return {
    ...conversationEntityKeys(record.conversationId),
    ...definedColumns({ ...columns }),
    reference: JSON.stringify(reference),
    // A readable copy for operators; the reference JSON is what sends use.
    serviceUrl: reference.serviceUrl,
    schemaVersion,
  };
}

export function conversationFromEntity(entity: unknown): StoredConversation {
  const parsed = conversationEntitySchema.safeParse(entity);
  if (!parsed.success) throw corruptRow('conversation', parsed.error);
  const { reference: referenceJson, ...rest } = parsed.data;
  let referenceValue: unknown;
  try {
    referenceValue = JSON.parse(referenceJson);
  } catch (error) {
    throw new GatewayError(errorCodes.Internal, `Stored conversation ${rest.conversationId} has an unreadable reference`, [], { cause: error });
  }
  const reference = conversationReferenceSchema.safeParse(referenceValue);
  if (!reference.success) throw corruptRow('conversation reference', reference.error);
  return { ...definedColumns(rest), reference: reference.data };
}

export function indexRowToEntity(row: IndexRow): TableRow {
  return definedColumns({ ...row });
}

export function indexRowFromEntity(entity: unknown): IndexRow {
  const parsed = indexEntitySchema.safeParse(entity);
  if (!parsed.success) throw corruptRow('conversation index row', parsed.error);
  return definedColumns(parsed.data);
}

export function summaryFromIndexRow(row: IndexRow): ConversationSummary {
  const { partitionKey: _partitionKey, rowKey: _rowKey, revision: _revision, ...summary } = row;
  return summary;
}

