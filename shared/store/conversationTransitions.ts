import { type ConversationFacts } from '../activity/conversationFacts';
import { type ConversationStatus } from '../activity/conversationLifecycle';
import { type ConversationReference } from '../activity/conversationReference';
import { type ConversationRecord } from './storedConversation';

/**
 * The functional core of the conversation store: how a record changes, as pure functions of the record,
 * the input and the clock. The Table adapter reads, calls one of these, and writes with the read ETag.
 *
 * Ordering rule: every status decision carries the time it happened (Teams' activity timestamp, or the
 * clock of the send that saw a 403). A decision older than the one already stored is ignored, so a late
 * "add" cannot undo a newer "remove" and a late prune cannot undo a newer re-install. Equal times: the one
 * applied last wins (arrival order is the best remaining evidence).
 */

export interface StatusChange {
  status: ConversationStatus;
  /** Lifecycle reason or Teams error code. */
  reason: string;
  at: Date;
  /** Activate only if currently removed for one of these reasons (teamUnarchived undoes teamArchived only). */
  onlyIfRemovedFor?: readonly string[];
}

export type StatusChangeVerdict = 'applied' | 'superseded' | 'notApplicable';

export interface ActivityInput {
  reference: ConversationReference;
  facts: ConversationFacts;
  /** When the activity happened (eventTimeOf). */
  eventAt: Date;
  change?: StatusChange;
}

export function newRecordFromActivity(input: ActivityInput, now: Date): ConversationRecord {
  const status = input.change?.status ?? 'active';
  const at = (input.change?.at ?? input.eventAt).toISOString();
  const record: ConversationRecord = {
    ...input.facts,
    reference: input.reference,
    referenceAt: input.eventAt.toISOString(),
    status,
    statusChangedAt: at,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    revision: 1,
  };
  if (input.change !== undefined) record.statusReason = input.change.reason;
  if (status === 'removed' && input.change !== undefined) {
    record.removedReason = input.change.reason;
    record.removedAt = at;
  }
  return record;
}

/** An activity for a stored conversation: newer reference replaces older; the status change is ordered. */
export function recordAfterActivity(existing: ConversationRecord, input: ActivityInput, now: Date): { record: ConversationRecord; verdict?: StatusChangeVerdict } {
  let record: ConversationRecord = { ...existing };
  if (input.eventAt.getTime() >= Date.parse(existing.referenceAt)) {
    record.reference = input.reference;
    record.referenceAt = input.eventAt.toISOString();
  }
  // Index facts are sticky (a conversation does not change tenant or scope); missing ones are filled in.
  if (record.teamId === undefined && input.facts.teamId !== undefined) record.teamId = input.facts.teamId;
  if (record.teamsChannelId === undefined && input.facts.teamsChannelId !== undefined) record.teamsChannelId = input.facts.teamsChannelId;
  if (record.userAadObjectId === undefined && input.facts.userAadObjectId !== undefined) record.userAadObjectId = input.facts.userAadObjectId;
  let verdict: StatusChangeVerdict | undefined;
  if (input.change !== undefined) {
    const result = statusApplied(record, input.change);
    record = result.record;
    verdict = result.verdict;
  }
  return { record: bumped(record, now), verdict };
}

/** A status decision against a stored record; the record is returned unchanged unless applied. */
export function recordAfterStatusChange(existing: ConversationRecord, change: StatusChange, now: Date): { record: ConversationRecord; verdict: StatusChangeVerdict } {
  const result = statusApplied(existing, change);
  return result.verdict === 'applied' ? { record: bumped(result.record, now), verdict: 'applied' } : result;
}

function statusApplied(existing: ConversationRecord, change: StatusChange): { record: ConversationRecord; verdict: StatusChangeVerdict } {
  if (change.at.getTime() < Date.parse(existing.statusChangedAt)) return { record: existing, verdict: 'superseded' };
  if (change.status === 'active' && change.onlyIfRemovedFor !== undefined) {
    const undoes = existing.status === 'removed' && existing.removedReason !== undefined && change.onlyIfRemovedFor.includes(existing.removedReason);
    if (!undoes) return { record: existing, verdict: 'notApplicable' };
  }
  const at = change.at.toISOString();
  const record: ConversationRecord = { ...existing, statusChangedAt: at };
  if (change.status === 'removed') {
    // Already removed: keep the first cause and time (the one worth showing), but remember the newer decision time.
    if (existing.status !== 'removed') {
      record.status = 'removed';
      record.statusReason = change.reason;
      record.removedReason = change.reason;
      record.removedAt = at;
    }
  } else {
    record.status = 'active';
    record.statusReason = change.reason;
    delete record.removedReason;
    delete record.removedAt;
  }
  return { record, verdict: 'applied' };
}

export function recordWithServiceUrlOverride(existing: ConversationRecord, serviceUrl: string | undefined, now: Date): ConversationRecord {
  const record: ConversationRecord = { ...existing };
  if (serviceUrl === undefined) delete record.serviceUrlOverride;
  else record.serviceUrlOverride = serviceUrl;
  return bumped(record, now);
}

function bumped(record: ConversationRecord, now: Date): ConversationRecord {
  return { ...record, updatedAt: now.toISOString(), revision: record.revision + 1 };
}
