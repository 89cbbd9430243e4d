import { gatewayReasons } from '../connector/teamsErrorCodes';
import { sendMessageFor } from '../notifications/copies/copyOperationMessages';
import { fanOutMessage } from '../notifications/intake/tenantFanOut';
import { isPending, markCancelled, markFinished, markReconciled } from '../notifications/store/deliveryTransitions';
import {
  type DeliveryError,
  type DeliveryRecord,
  type DeliveryTransition,
  type DeliveryTransitionVerdict,
  type FanOutProgress,
  type NotificationRecord,
} from '../notifications/store/notificationStore';
import { type QueuedDelivery } from '../queue/deliveryQueue';

/**
 * What the reconciler does with work that has not moved for too long, as pure functions of the stored
 * records and the clock. `cutoff`: anything that last moved before it has lost its queue message.
 *
 * A delivery still `queued` or `sending` past the cutoff:
 * - past the notification's expiresAt → failed `Expired` (as the send path would have ended it);
 * - of a deleted notification → `cancelled` if queued; failed `SendInterrupted` if a send was cut off (the
 *   copy may or may not be in Teams; a deleted notification is never sent again);
 * - re-queued `maxReconciliations` times already → failed `QueueMessageLost` (class `exhausted`);
 * - else re-queued with the id its lost message had (`queued`: the next attempt; `sending`: the interrupted
 *   attempt again). A `sending` copy may have been posted before the crash: sending it again is the same
 *   choice the send path makes on a redelivery (a rare duplicate rather than a silently lost alert).
 */
export interface ReconcileClock {
  now: Date;
  cutoff: Date;
}

export const reconcileReasons = {
  /** The queue message of a copy was lost on every re-queue as well. */
  QueueMessageLost: 'QueueMessageLost',
  /** A send was cut off (crash) and its notification has been deleted since. */
  SendInterrupted: 'SendInterrupted',
  /** A broadcast's next page cannot be found again (progress written before the resume token was kept). */
  FanOutInterrupted: 'FanOutInterrupted',
} as const;

/** When a delivery last moved, or is next due to (a scheduled send counts from its sendAt). */
export function lastMoved(record: Pick<DeliveryRecord, 'updatedAt'>, notification: Pick<NotificationRecord, 'sendAt'>): number {
  const updated = Date.parse(record.updatedAt);
  return notification.sendAt === undefined ? updated : Math.max(updated, Date.parse(notification.sendAt));
}

export type DeliveryAction =
  | { action: 'wait'; lastMoved: number }
  | { action: 'requeue' }
  | { action: 'finish'; error: DeliveryError; failureClass?: string }
  | { action: 'cancel' };

type ReconciledNotification = Pick<NotificationRecord, 'id' | 'message' | 'sendAt' | 'expiresAt' | 'deleted'>;

export function deliveryAction(record: DeliveryRecord, notification: ReconciledNotification, clock: ReconcileClock, maxReconciliations: number): DeliveryAction {
  const moved = lastMoved(record, notification);
  if (!isPending(record) || moved >= clock.cutoff.getTime()) return { action: 'wait', lastMoved: moved };
  const quiet = `no change since ${new Date(moved).toISOString()}`;
  if (notification.expiresAt !== undefined && Date.parse(notification.expiresAt) <= clock.now.getTime()) {
    return { action: 'finish', error: { code: gatewayReasons.Expired, message: `expired at ${notification.expiresAt} while its queue message was lost (${quiet})` }, failureClass: 'expired' };
  }
  if (notification.deleted) {
    if (record.status === 'queued') return { action: 'cancel' };
    return {
      action: 'finish',
      error: { code: reconcileReasons.SendInterrupted, message: `attempt ${record.attempts} was interrupted while sending (${quiet}) and the notification was deleted since; the copy may have been posted` },
    };
  }
  const done = record.reconciliations ?? 0;
  if (done >= maxReconciliations) {
    return {
      action: 'finish',
      error: { code: reconcileReasons.QueueMessageLost, message: `its queue message was lost ${done + 1} times (${quiet}); given up` },
      failureClass: 'exhausted',
    };
  }
  return { action: 'requeue' };
}

/**
 * The one transition the store applies to every stale row of a notification (in conditional batches, redone
 * on a fresh read after a race): it decides again on the record as it stands, so a row the send path moved
 * meanwhile is left alone.
 */
export function reconcileTransition(notification: ReconciledNotification, clock: ReconcileClock, maxReconciliations: number): DeliveryTransition {
  return (current): DeliveryTransitionVerdict => {
    const decided = deliveryAction(current, notification, clock, maxReconciliations);
    switch (decided.action) {
      case 'wait':
        return { verdict: 'unchanged' };
      case 'requeue':
        return markReconciled(clock.now)(current);
      case 'cancel':
        return stamped(markCancelled(clock.now)(current), clock.now);
      case 'finish':
        return stamped(
          markFinished({ status: 'failed', error: decided.error, ...(decided.failureClass === undefined ? {} : { failureClass: decided.failureClass }) }, clock.now)(current),
          clock.now,
        );
    }
  };
}

function stamped(verdict: DeliveryTransitionVerdict, now: Date): DeliveryTransitionVerdict {
  return verdict.verdict === 'applied' ? { verdict: 'applied', record: { ...verdict.record, reconciledAt: now.toISOString() } } : verdict;
}

/**
 * The message a re-queued delivery gets: the one that was lost, with the same deterministic id. `queued`
 * after `attempts` tries → attempt `attempts + 1` (the first send, or the scheduled retry); `sending` →
 * the attempt that was cut off.
 */
export function requeueMessage(record: DeliveryRecord, notification: ReconciledNotification): QueuedDelivery {
  const send = sendMessageFor(record, notification);
  const attempt = record.status === 'sending' ? Math.max(1, record.attempts) : record.attempts + 1;
  return { ...send, body: { ...send.body, attempt } };
}

export type FanOutAction =
  | { action: 'wait'; lastMoved: number }
  /** Enqueue the chain's next step again (same id as the lost one) and note the time on its progress. */
  | { action: 'resume'; message: QueuedDelivery; progress: FanOutProgress }
  /** The chain ends here: stopped (the notification was deleted) or failed (its place cannot be found). */
  | { action: 'end'; progress: FanOutProgress };

/** A broadcast still `expanding` whose next step has not run for too long. Undefined: the chain has ended. */
export function fanOutAction(progress: FanOutProgress, notification: ReconciledNotification, clock: ReconcileClock): FanOutAction | undefined {
  if (progress.state !== 'expanding') return undefined;
  const moved = Date.parse(progress.updatedAt);
  if (moved >= clock.cutoff.getTime()) return { action: 'wait', lastMoved: moved };
  const updatedAt = clock.now.toISOString();
  if (notification.deleted) return { action: 'end', progress: { ...progress, state: 'stopped', updatedAt } };
  if (progress.pagesDone > 0 && progress.nextContinuationToken === undefined) {
    const error: DeliveryError = { code: reconcileReasons.FanOutInterrupted, message: `the step after page ${progress.pagesDone} was lost and its place in the tenant's conversations was not kept` };
    return { action: 'end', progress: { ...progress, state: 'failed', error, updatedAt } };
  }
  const step = { targetIndex: progress.targetIndex, tenantId: progress.tenantId, scope: progress.scope, page: progress.pagesDone };
  const message = fanOutMessage(notification.id, progress.nextContinuationToken === undefined ? step : { ...step, continuationToken: progress.nextContinuationToken });
  return { action: 'resume', message, progress: { ...progress, updatedAt } };
}
