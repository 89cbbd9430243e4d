import {
  type CopyOperationState,
  type DeliveryError,
  type DeliveryRecord,
  type DeliveryStatus,
  type DeliveryTransition,
  type DeliveryTransitionVerdict,
} from './notificationStore';

/**
 * How a delivery record changes, as pure functions of the record and the clock. The store reads, applies one
 * of these and writes with the read ETag; on a conflict it re-reads and applies again, so the rules below
 * decide every race (a send against a DELETE, the deadLetter function against a late success).
 *
 *   queued ──markSending──▶ sending ──markSent──▶ sent
 *     ▲  ╲                    │  ╲
 *     │   markCancelled       │   markFinished ──▶ failed | skipped
 *     └──── recordRetry ──────┘
 *   queued ──markCancelled──▶ cancelled (the send path skips it)
 *   queued | sending ──markReconciled──▶ the same status, re-queued by the reconciler (its message was lost)
 */

/** Not yet posted and still to be tried. */
const pending: ReadonlySet<DeliveryStatus> = new Set(['queued', 'sending']);

export function isPending(record: Pick<DeliveryRecord, 'status'>): boolean {
  return pending.has(record.status);
}

/** Go ahead with a send: only a pending delivery (a `sending` one again after a crash). */
export function markSending(attempt: number, now: Date): DeliveryTransition {
  return (current) => {
    if (!isPending(current)) return unchanged;
    return applied({ ...current, status: 'sending', attempts: Math.max(current.attempts, attempt) }, now);
  };
}

/**
 * A posted copy is a fact: it is recorded whatever the record says (a DELETE that cancelled it while the post
 * was in flight has its delete message queued behind this send, which removes the copy).
 */
export function markSent(sent: { activityId: string; conversationId?: string; attempt?: number }, now: Date): DeliveryTransition {
  return (current) => {
    if (current.status === 'sent' && current.activityId === sent.activityId) return unchanged;
    const record: DeliveryRecord = { ...current, status: 'sent', activityId: sent.activityId, attempts: Math.max(current.attempts, sent.attempt ?? 1) };
    if (sent.conversationId !== undefined) record.conversationId = sent.conversationId;
    if (record.installation?.status === 'installing') record.installation = { ...record.installation, status: 'installed' };
    delete record.lastError;
    delete record.failureClass;
    return applied(record, now);
  };
}

/** The app was installed for the user (proactive installation); the copy waits for the chat it opens. */
export function recordInstalling(now: Date): DeliveryTransition {
  return (current) => {
    if (!isPending(current) || current.installation !== undefined) return unchanged;
    return applied({ ...current, installation: { status: 'installing', requestedAt: now.toISOString() } }, now);
  };
}

/** Attempt `attempt` failed and a later one is scheduled. */
export function recordRetry(attempt: number, error: DeliveryError, now: Date): DeliveryTransition {
  return (current) => {
    if (!isPending(current)) return unchanged;
    return applied({ ...current, status: 'queued', attempts: Math.max(current.attempts, attempt), lastError: error }, now);
  };
}

/**
 * Given up (dead-lettered) or skipped before sending. Only a pending delivery finishes: a sent or cancelled
 * one keeps its state, and a finished one its first classified reason (the send function records it before
 * dead-lettering, so the deadLetter function's copy, or a broker MaxDeliveryCountExceeded after failed
 * settlements, changes nothing).
 */
export function markFinished(outcome: { status: 'failed' | 'skipped'; error: DeliveryError; failureClass?: string }, now: Date): DeliveryTransition {
  return (current) => {
    if (!isPending(current)) return unchanged;
    const record: DeliveryRecord = { ...current, status: outcome.status, lastError: outcome.error };
    if (outcome.failureClass === undefined) delete record.failureClass;
    else record.failureClass = outcome.failureClass;
    return applied(record, now);
  };
}

/** The reconciler re-queued a pending delivery whose queue message was lost: when, and how many times so far. */
export function markReconciled(now: Date): DeliveryTransition {
  return (current) => {
    if (!isPending(current)) return unchanged;
    return applied({ ...current, reconciledAt: now.toISOString(), reconciliations: (current.reconciliations ?? 0) + 1 }, now);
  };
}

/** Only a delivery nobody is posting yet; a `sending` one is left to the delete message behind it. */
export function markCancelled(now: Date): DeliveryTransition {
  return (current) => (current.status === 'queued' ? applied({ ...current, status: 'cancelled' }, now) : unchanged);
}

/**
 * The latest update or delete of a sent copy. Messages of one conversation are processed in order, but a
 * rescheduled update can land after a newer one: a lower revision never replaces a higher, and once a delete
 * is recorded no update replaces it.
 */
export function recordCopyOperation(
  result: { operation: 'update' | 'delete'; revision: number; status: CopyOperationState['status']; error?: DeliveryError },
  now: Date,
): DeliveryTransition {
  return (current) => {
    const last = current.lastOperation;
    if (last !== undefined && !outranks(result, last)) return unchanged;
    const state: CopyOperationState = { operation: result.operation, revision: result.revision, status: result.status, updatedAt: now.toISOString() };
    if (result.error !== undefined) state.error = result.error;
    return applied({ ...current, lastOperation: state }, now);
  };
}

function outranks(next: { operation: 'update' | 'delete'; revision: number }, last: CopyOperationState): boolean {
  if (last.operation === 'delete') return next.operation === 'delete';
  if (next.operation === 'delete') return true;
  return next.revision >= last.revision;
}

const unchanged: DeliveryTransitionVerdict = { verdict: 'unchanged' };

function applied(record: DeliveryRecord, now: Date): DeliveryTransitionVerdict {
  return { verdict: 'applied', record: { ...record, updatedAt: now.toISOString() } };
}
