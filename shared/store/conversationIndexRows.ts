import { type ConversationScope } from '../activity/conversationFacts';
import { type ConversationStatus } from '../activity/conversationLifecycle';
import { type ConversationRecord } from './storedConversation';
import { encodeKeyPart, prefixRange } from './tableKeyEncoding';

/**
 * Secondary index rows in table `conversationIndex`, so lookups read one small partition instead of scanning:
 *
 *   PK `t.<tenant>`  RK `c.<kind>.<conversation>`          every conversation of a tenant, by kind
 *   PK `t.<tenant>`  RK `u.<user>.<conversation>`          personal conversations of a user in a tenant
 *   PK `m.<team>`    RK `c.<conversation>`                 every conversation of a team (channels, threads)
 *
 * (`<x>` = base64url, see tableKeyEncoding.ts; kind = personal | groupChat | channel | thread.) Team rows are
 * partitioned by team id, which is globally unique, so a team lookup needs no tenant and reads no other
 * tenant's rows; each row still carries its tenant for callers that check it. The row keys depend only on
 * facts that never change for a conversation (tenant, scope, user of a personal chat, team), so rows are
 * only ever added and overwritten, never moved.
 */
export type IndexKind = ConversationScope | 'thread';

/** What a listing needs without reading each conversation; the primary record stays the truth. */
export interface ConversationSummary {
  conversationId: string;
  tenantId: string;
  scope: ConversationScope;
  isThread: boolean;
  teamId?: string;
  teamsChannelId?: string;
  userAadObjectId?: string;
  status: ConversationStatus;
  statusReason?: string;
  statusChangedAt: string;
}

export interface IndexRow extends ConversationSummary {
  partitionKey: string;
  rowKey: string;
  /** The primary record's revision this row was written from. */
  revision: number;
}

export function tenantPartition(tenantId: string): string {
  return `t.${encodeKeyPart(tenantId)}`;
}

export function teamPartition(teamId: string): string {
  return `m.${encodeKeyPart(teamId)}`;
}

export function indexKindOf(record: Pick<ConversationRecord, 'scope' | 'isThread'>): IndexKind {
  return record.isThread ? 'thread' : record.scope;
}

/** Row-key range of a tenant's conversations: one kind, or all kinds. */
export function tenantConversationRange(kind?: IndexKind): { from: string; to: string } {
  return prefixRange(kind === undefined ? 'c.' : `c.${kind}.`);
}

export function tenantUserRange(userAadObjectId: string): { from: string; to: string } {
  return prefixRange(`u.${encodeKeyPart(userAadObjectId)}.`);
}

export function teamConversationRange(): { from: string; to: string } {
  return prefixRange('c.');
}

export function summaryOf(record: ConversationRecord): ConversationSummary {
  const summary: ConversationSummary = {
    conversationId: record.conversationId,
    tenantId: record.tenantId,
    scope: record.scope,
    isThread: record.isThread,
    status: record.status,
    statusChangedAt: record.statusChangedAt,
  };
  if (record.teamId !== undefined) summary.teamId = record.teamId;
  if (record.teamsChannelId !== undefined) summary.teamsChannelId = record.teamsChannelId;
  if (record.userAadObjectId !== undefined) summary.userAadObjectId = record.userAadObjectId;
  if (record.statusReason !== undefined) summary.statusReason = record.statusReason;
  return summary;
}

/** Every index row a record should have, computed from the record alone. */
export function indexRowsOf(record: ConversationRecord): IndexRow[] {
  const summary = summaryOf(record);
  const conversation = encodeKeyPart(record.conversationId);
  const tenant = tenantPartition(record.tenantId);
  const row = (partitionKey: string, rowKey: string): IndexRow => ({ ...summary, partitionKey, rowKey, revision: record.revision });
  const rows = [row(tenant, `c.${indexKindOf(record)}.${conversation}`)];
  if (record.scope === 'personal' && record.userAadObjectId !== undefined) {
    rows.push(row(tenant, `u.${encodeKeyPart(record.userAadObjectId)}.${conversation}`));
  }
  if (record.teamId !== undefined) rows.push(row(teamPartition(record.teamId), `c.${conversation}`));
  return rows;
}

/**
 * How old a record's last index write may be before a write that changes nothing in its summary rewrites the
 * rows anyway. Rows are rewritten whenever the summary changes; this only repairs rows a crash left behind
 * (the record written, the process gone before its rows), at the cost of one rewrite per conversation per hour.
 */
export const indexRefreshAfterInMs = 60 * 60 * 1000;

/**
 * Whether writing `next` over `previous` must rewrite the index rows, and the record to write (stamped with
 * `indexedAt` when it must). A message activity changes the stored reference (its activityId) and confirms the
 * status it already has (userActivity, a newer statusChangedAt) but nothing a listing filters on, so it costs
 * the read and the write alone instead of also two row upserts and a re-read. A row's statusChangedAt is
 * therefore that of the last decision that changed status or reason, refreshed at least hourly.
 */
export function withIndexPlan(previous: ConversationRecord | undefined, next: ConversationRecord, now: Date): { record: ConversationRecord; syncIndex: boolean } {
  const indexedAt = previous?.indexedAt === undefined ? Number.NaN : Date.parse(previous.indexedAt);
  const fresh = now.getTime() - indexedAt < indexRefreshAfterInMs;
  if (previous !== undefined && fresh && listedAs(previous) === listedAs(next)) return { record: { ...next, indexedAt: previous.indexedAt }, syncIndex: false };
  return { record: { ...next, indexedAt: now.toISOString() }, syncIndex: true };
}

/** What the rows hold apart from the revision (their keys are made from the same facts): the summary, less its time. */
function listedAs(record: ConversationRecord): string {
  const { statusChangedAt: _statusChangedAt, ...listed } = summaryOf(record);
  return JSON.stringify(listed);
}
