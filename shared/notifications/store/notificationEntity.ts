import { z } from 'zod';

import { errorCodes, GatewayError } from '../../errors';
import { encodeKeyPart, prefixRange } from '../../store/tableKeyEncoding';
import { corruptRow, definedColumns, type TableRow } from '../../store/tableRow';
import { conversationTypes } from '../request/notificationMessage';
import { type NotificationTargetAsGiven, tenantTargetScopes } from '../request/notificationTarget';
import { type DeliveryProgressRow } from '../status/notificationProgress';
import {
  type CopyOperationState,
  type DeliveryRecord,
  type DeliveryStatus,
  type FanOutProgress,
  fanOutStates,
  isChannelToReach,
  type NotificationRecord,
  unresolvedReasons,
} from './notificationStore';

/**
 * Records as Table entities and back. Both tables are partitioned by notification id (ids are Table-safe by
 * their pattern, so the id is the key as is). Rows of the `notifications` partition:
 *
 *   RK `notification`     the record (state, digest, current message, revision, deleted)
 *   RK `response`         the stored 202 body, replayed to an idempotent repeat
 *   RK `fanOut.<i>`       progress of tenant target #i's fan-out
 *   RK `callback.<event>` a status callback event and its attempts (callbacks/tableCallbackEventStore.ts)
 *
 * Partitions `_list` and `_list.tag.<tag>` of the same table are the list index (notificationListIndex.ts).
 *
 * `deliveries` rows: RK = encodeKeyPart(deliveryKey), or `u.<i>` for unresolved target #i (base64url has no
 * `.`, so the two never meet). Entities are parsed on the way in, not trusted.
 */
const schemaVersion = 1;

export const notificationRowKey = 'notification';
export const responseRowKey = 'response';
export const fanOutRowKeyRange = prefixRange('fanOut.');

export function fanOutRowKey(targetIndex: number): string {
  return `fanOut.${targetIndex}`;
}

export function deliveryRowKey(record: Pick<DeliveryRecord, 'key' | 'unresolved'>): string {
  return record.unresolved === undefined ? encodeKeyPart(record.key) : `u.${record.unresolved.targetIndex}`;
}

/**
 * A Table string property holds 64 KiB of UTF-16 (32,768 characters); a message with a large card is more.
 * Long text is split over `<name>`, `<name>1`, … with the count in `<name>Parts`.
 */
const charactersPerPart = 30_000;

export function chunkedText(name: string, text: string): Record<string, string | number> {
  const columns: Record<string, string | number> = {};
  let part = 0;
  for (let start = 0; start < text.length || part === 0; part++) {
    let end = Math.min(text.length, start + charactersPerPart);
    // Never between the halves of a surrogate pair: a lone half does not survive UTF-8 on the wire.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    columns[part === 0 ? name : `${name}${part}`] = text.slice(start, end);
    start = end;
  }
  columns[`${name}Parts`] = part;
  return columns;
}

export function joinedText(entity: Record<string, unknown>, name: string): string | undefined {
  const parts = entity[`${name}Parts`];
  if (typeof parts !== 'number' || !Number.isInteger(parts) || parts < 1) return undefined;
  let text = '';
  for (let part = 0; part < parts; part++) {
    const value = entity[part === 0 ? name : `${name}${part}`];
    if (typeof value !== 'string') return undefined;
    text += value;
  }
  return text;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

export function notificationToEntity(record: NotificationRecord): TableRow {
  return {
    partitionKey: record.id,
    rowKey: notificationRowKey,
    ...definedColumns({
      createdAt: record.createdAt,
      state: record.state,
      digest: record.digest,
      sendAt: record.sendAt,
      expiresAt: record.expiresAt,
      tag: record.tag,
      callbackJson: record.callback === undefined ? undefined : JSON.stringify(record.callback),
      revision: record.revision,
      deleted: record.deleted,
      deletedAt: record.deletedAt,
      updatedAt: record.updatedAt,
    }),
    ...chunkedText('messageJson', JSON.stringify(record.message)),
    schemaVersion,
  };
}

const notificationEntitySchema = z.object({
  partitionKey: z.string().min(1),
  etag: z.string().optional(),
  createdAt: z.string(),
  state: z.enum(['accepting', 'accepted']),
  digest: z.string(),
  sendAt: z.string().optional(),
  expiresAt: z.string().optional(),
  tag: z.string().optional(),
  callbackJson: z.string().optional(),
  revision: z.number().int().min(0),
  deleted: z.boolean(),
  deletedAt: z.string().optional(),
  updatedAt: z.string(),
});

const storedCallbackSchema = z.object({ url: z.string(), deliveryFailures: z.boolean() });

export function notificationFromEntity(entity: Record<string, unknown>): NotificationRecord {
  const parsed = notificationEntitySchema.safeParse(entity);
  if (!parsed.success) throw corruptRow('notification', parsed.error);
  const message = parseJsonColumn(joinedText(entity, 'messageJson'), 'notification message');
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new GatewayError(errorCodes.Internal, `Stored notification ${parsed.data.partitionKey} has no readable message`);
  }
  const { partitionKey, callbackJson, ...rest } = parsed.data;
  const callback = callbackJson === undefined ? undefined : storedCallbackSchema.parse(parseJsonColumn(callbackJson, 'notification callback'));
  return definedColumns({ id: partitionKey, ...rest, message, callback });
}


export function responseToEntity(notificationId: string, responseJson: string): TableRow {
  return { partitionKey: notificationId, rowKey: responseRowKey, ...chunkedText('responseJson', responseJson), schemaVersion };
}

export function responseFromEntity(entity: Record<string, unknown>): string {
  const text = joinedText(entity, 'responseJson');
  if (text === undefined) throw new GatewayError(errorCodes.Internal, 'A stored notification response is incomplete');
  return text;
}

export function fanOutToEntity(progress: FanOutProgress): TableRow {
  const { notificationId, targetIndex, error, ...columns } = progress;
  const errorColumns = definedColumns({ errorStatus: error?.status, errorCode: error?.code, errorMessage: error?.message });
  return { partitionKey: notificationId, rowKey: fanOutRowKey(targetIndex), targetIndex, ...definedColumns(columns), ...errorColumns, schemaVersion };
}

const fanOutEntitySchema = z.object({
  partitionKey: z.string().min(1),
  targetIndex: z.number().int().min(0),
  tenantId: z.string(),
  scope: z.enum(tenantTargetScopes),
  pagesDone: z.number().int().min(0),
  deliveries: z.number().int().min(0),
  state: z.enum(fanOutStates),
  errorStatus: z.number().int().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  nextContinuationToken: z.string().optional(),
  updatedAt: z.string(),
});

export function fanOutFromEntity(entity: unknown): FanOutProgress {
  const parsed = fanOutEntitySchema.safeParse(entity);
  if (!parsed.success) throw corruptRow('fan-out progress', parsed.error);
  const { partitionKey, errorStatus, errorCode, errorMessage, nextContinuationToken, ...rest } = parsed.data;
  const progress: FanOutProgress = { notificationId: partitionKey, ...rest };
  if (nextContinuationToken !== undefined) progress.nextContinuationToken = nextContinuationToken;
  if (errorCode !== undefined) progress.error = { code: errorCode, message: errorMessage ?? '', ...(errorStatus === undefined ? {} : { status: errorStatus }) };
  return progress;
}

export function deliveryToEntity(record: DeliveryRecord): TableRow {
  return {
    partitionKey: record.notificationId,
    rowKey: deliveryRowKey(record),
    ...definedColumns({
      key: record.key,
      origin: record.origin,
      conversationId: record.conversationId,
      conversationType: record.conversationType,
      createForTenantId: record.createFor?.tenantId,
      createForUserAadObjectId: record.createFor === undefined || isChannelToReach(record.createFor) ? undefined : record.createFor.userAadObjectId,
      createForTeamId: record.createFor !== undefined && isChannelToReach(record.createFor) ? record.createFor.teamId : undefined,
      createForChannelId: record.createFor !== undefined && isChannelToReach(record.createFor) ? record.createFor.channelId : undefined,
      createForReferenceConversationId: record.createFor?.referenceConversationId,
      tenantId: record.tenantId,
      targetJson: record.target === undefined ? undefined : JSON.stringify(record.target),
      unresolvedTargetIndex: record.unresolved?.targetIndex,
      unresolvedReason: record.unresolved?.reason,
      unresolvedRemovalReason: record.unresolved?.removalReason,
      status: record.status,
      activityId: record.activityId,
      attempts: record.attempts,
      lastErrorStatus: record.lastError?.status,
      lastErrorCode: record.lastError?.code,
      lastErrorMessage: record.lastError?.message,
      failureClass: record.failureClass,
      lastOperationJson: record.lastOperation === undefined ? undefined : JSON.stringify(record.lastOperation),
      reconciledAt: record.reconciledAt,
      reconciliations: record.reconciliations,
      installationStatus: record.installation?.status,
      installationRequestedAt: record.installation?.requestedAt,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    }),
    schemaVersion,
  };
}

export const deliveryStatuses = ['queued', 'sending', 'sent', 'failed', 'skipped', 'cancelled'] as const satisfies readonly DeliveryStatus[];

const deliveryEntitySchema = z.object({
  partitionKey: z.string().min(1),
  etag: z.string().optional(),
  key: z.string().min(1),
  origin: z.string().regex(/^(direct|fanOut:\d+)$/),
  conversationId: z.string().optional(),
  conversationType: z.enum(conversationTypes).optional(),
  createForTenantId: z.string().optional(),
  createForUserAadObjectId: z.string().optional(),
  createForTeamId: z.string().optional(),
  createForChannelId: z.string().optional(),
  createForReferenceConversationId: z.string().optional(),
  tenantId: z.string().optional(),
  targetJson: z.string().optional(),
  unresolvedTargetIndex: z.number().int().min(0).optional(),
  unresolvedReason: z.enum([unresolvedReasons.ConversationNotFound, unresolvedReasons.ConversationRemoved]).optional(),
  unresolvedRemovalReason: z.string().optional(),
  status: z.enum(deliveryStatuses),
  activityId: z.string().optional(),
  attempts: z.number().int().min(0),
  lastErrorStatus: z.number().int().optional(),
  lastErrorCode: z.string().optional(),
  lastErrorMessage: z.string().optional(),
  failureClass: z.string().optional(),
  lastOperationJson: z.string().optional(),
  reconciledAt: z.string().optional(),
  reconciliations: z.number().int().min(0).optional(),
  installationStatus: z.enum(['installing', 'installed']).optional(),
  installationRequestedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function deliveryFromEntity(entity: unknown): DeliveryRecord {
  const parsed = deliveryEntitySchema.safeParse(entity);
  if (!parsed.success) throw corruptRow('delivery', parsed.error);
  const row = parsed.data;
  const record: DeliveryRecord = {
    notificationId: row.partitionKey,
    key: row.key,
    origin: row.origin as DeliveryRecord['origin'],
    status: row.status,
    attempts: row.attempts,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
  if (row.etag !== undefined) record.etag = row.etag;
  if (row.conversationId !== undefined) record.conversationId = row.conversationId;
  if (row.conversationType !== undefined) record.conversationType = row.conversationType;
  if (row.createForTenantId !== undefined && row.createForUserAadObjectId !== undefined) {
    record.createFor = { tenantId: row.createForTenantId, userAadObjectId: row.createForUserAadObjectId };
  } else if (row.createForTenantId !== undefined && row.createForTeamId !== undefined && row.createForChannelId !== undefined) {
    record.createFor = { tenantId: row.createForTenantId, teamId: row.createForTeamId, channelId: row.createForChannelId };
  }
  if (record.createFor !== undefined && row.createForReferenceConversationId !== undefined) record.createFor.referenceConversationId = row.createForReferenceConversationId;
  if (row.tenantId !== undefined) record.tenantId = row.tenantId;
  if (row.targetJson !== undefined) record.target = parseJsonColumn(row.targetJson, 'delivery target') as NotificationTargetAsGiven;
  if (row.unresolvedTargetIndex !== undefined && row.unresolvedReason !== undefined) {
    record.unresolved = { targetIndex: row.unresolvedTargetIndex, reason: row.unresolvedReason };
    if (row.unresolvedRemovalReason !== undefined) record.unresolved.removalReason = row.unresolvedRemovalReason;
  }
  if (row.activityId !== undefined) record.activityId = row.activityId;
  if (row.lastErrorCode !== undefined) {
    record.lastError = { code: row.lastErrorCode, message: row.lastErrorMessage ?? '' };
    if (row.lastErrorStatus !== undefined) record.lastError.status = row.lastErrorStatus;
  }
  if (row.failureClass !== undefined) record.failureClass = row.failureClass;
  if (row.lastOperationJson !== undefined) record.lastOperation = parseJsonColumn(row.lastOperationJson, 'delivery operation') as CopyOperationState;
  if (row.reconciledAt !== undefined) record.reconciledAt = row.reconciledAt;
  if (row.reconciliations !== undefined) record.reconciliations = row.reconciliations;
  if (row.installationStatus !== undefined && row.installationRequestedAt !== undefined) {
    record.installation = { status: row.installationStatus, requestedAt: row.installationRequestedAt };
  }
  return record;
}

/** The columns the status is derived from (notificationProgress.ts): a cheap projection of a large partition. */
export const deliveryProgressColumns = ['status', 'lastOperationJson'];

const deliveryProgressSchema = deliveryEntitySchema.pick({ status: true, lastOperationJson: true });

export function deliveryProgressFromEntity(entity: unknown): DeliveryProgressRow {
  const parsed = deliveryProgressSchema.safeParse(entity);
  if (!parsed.success) throw corruptRow('delivery', parsed.error);
  const { status, lastOperationJson } = parsed.data;
  return lastOperationJson === undefined ? { status } : { status, lastOperation: parseJsonColumn(lastOperationJson, 'delivery operation') as CopyOperationState };
}

function parseJsonColumn(text: string | undefined, what: string): unknown {
  if (text === undefined) throw new GatewayError(errorCodes.Internal, `A stored ${what} is missing`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GatewayError(errorCodes.Internal, `A stored ${what} is not JSON`, [], { cause: error });
  }
}

