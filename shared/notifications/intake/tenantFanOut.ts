import { callbackCheckMessage } from '../../callbacks/callbackMessages';
import { errorCodes, GatewayError } from '../../errors';
import { type DeliveryMessage, type FanOutStep } from '../../queue/deliveryMessage';
import { type DeliveryQueue, type QueuedDelivery } from '../../queue/deliveryQueue';
import { sendMessageFor } from '../copies/copyOperationMessages';
import { followNotificationChanges } from '../copies/sentCopyOperations';
import { type SendSpread, spreadSends } from '../copies/tenantSendSpread';
import { type DeliveryError, type DeliveryOrigin, type FanOutProgress, type FanOutProgressStore, type NotificationStore } from '../store/notificationStore';
import { planFanOutDeliveries, rowsToSend } from './deliveryPlan';
import { type TenantAudience } from './tenantAudience';

/**
 * Conversations per fan-out step: one service page of the index. A step writes 10 batches of rows and one
 * queue batch or a few, well inside a message lock, and a 10,000-conversation tenant is 10 steps.
 */
export const fanOutPageSize = 1000;

export interface FanOutServices {
  notifications: NotificationStore;
  audience: TenantAudience;
  queue: DeliveryQueue;
  now: () => Date;
  /** Conversations per step; default fanOutPageSize. */
  pageSize?: number;
  /** Spread the page's sends over the time Teams takes them, after the pages before it (tenantSendSpread.ts). */
  spread?: SendSpread;
}

export type FanOutStepOutcome =
  /** This page is queued and the next page's message is enqueued. */
  | { outcome: 'continued'; page: number; queued: number }
  /** The last page is queued. */
  | { outcome: 'finished'; page: number; queued: number }
  /** Nothing to do: the notification is gone or deleted, or this chain already finished (a repeated message). */
  | { outcome: 'stopped'; reason: 'NotificationNotFound' | 'NotificationDeleted' | 'AlreadyFinished' };

/** The queue message of one fan-out step, in the session `fanout:<notificationId>` (deliveryKey). */
export function fanOutMessage(notificationId: string, step: FanOutStep): QueuedDelivery {
  return { body: { version: 1, notificationId, operation: 'fanOut', attempt: 1, revision: 0, fanOut: { ...step } } };
}

/**
 * One step of a tenant broadcast, run by the send function for a `fanOut` message: read one page of the
 * tenant's active conversations, add a delivery row for each one no other target reached, queue their sends,
 * enqueue the next page's step, then complete. Every part is repeatable: rows are insert-if-absent, message
 * ids are deterministic (the same page's sends and next step are dropped as duplicates), and progress counts
 * a page once. Throws (storage, queue) mean "abandon and let Service Bus redeliver"; a malformed message is
 * BAD_REQUEST (dead-letter it).
 */
export async function runFanOutStep(message: DeliveryMessage, services: FanOutServices): Promise<FanOutStepOutcome> {
  const step = message.fanOut;
  if (message.operation !== 'fanOut' || step === undefined) {
    throw new GatewayError(errorCodes.BadRequest, `Message ${message.notificationId}/${message.operation} is not a fan-out step`);
  }
  const { notifications, audience, queue } = services;
  const notificationId = message.notificationId;
  const notification = await notifications.getNotification(notificationId);
  if (notification === undefined) return { outcome: 'stopped', reason: 'NotificationNotFound' };
  const progress: FanOutProgress = (await notifications.getFanOutProgress(notificationId, step.targetIndex)) ?? {
    notificationId,
    targetIndex: step.targetIndex,
    tenantId: step.tenantId,
    scope: step.scope,
    pagesDone: 0,
    deliveries: 0,
    state: 'expanding',
    updatedAt: services.now().toISOString(),
  };
  if (progress.state !== 'expanding') return { outcome: 'stopped', reason: 'AlreadyFinished' };
  if (notification.deleted) {
    await notifications.saveFanOutProgress({ ...progress, state: 'stopped', updatedAt: services.now().toISOString() });
    return { outcome: 'stopped', reason: 'NotificationDeleted' };
  }

  const page = await audience.page(step.tenantId, step.scope, {
    pageSize: services.pageSize ?? fanOutPageSize,
    ...(step.continuationToken === undefined ? {} : { continuationToken: step.continuationToken }),
  });
  const origin: DeliveryOrigin = `fanOut:${step.targetIndex}`;
  const stored = await notifications.addDeliveries(planFanOutDeliveries(notificationId, step.targetIndex, page.conversations, services.now()));
  const toSend = rowsToSend(stored, origin);
  const sends = toSend.map((row) => sendMessageFor(row, notification));
  // The pages before this one went to the sender just before it: its copies take their turns after theirs.
  const spread = services.spread === undefined ? undefined : { ...services.spread, queuedAhead: step.page * (services.pageSize ?? fanOutPageSize) };
  await queue.enqueue(spreadSends(sends, spread, services.now()));
  if (page.continuationToken !== undefined) {
    await queue.enqueue([fanOutMessage(notificationId, { ...step, page: step.page + 1, continuationToken: page.continuationToken })]);
  }

  // A repeated step (crash after saving) must not count its page twice.
  if (step.page >= progress.pagesDone) {
    const ours = stored.filter((row) => row.origin === origin).length;
    await notifications.saveFanOutProgress({
      ...progress,
      pagesDone: step.page + 1,
      deliveries: progress.deliveries + ours,
      state: page.continuationToken === undefined ? 'done' : 'expanding',
      // Where the next step starts, so the reconciler can resume a chain whose next message was lost.
      nextContinuationToken: page.continuationToken,
      updatedAt: services.now().toISOString(),
    });
  }
  // A PATCH or DELETE that ran while this page was being written did not see its rows: catch them up.
  await followNotificationChanges(notification, stored.filter((row) => row.origin === origin), services);
  // The chain's end can be the notification's last move (a last page with nothing new): check for its callback.
  if (page.continuationToken === undefined && notification.callback !== undefined) await queue.enqueue([callbackCheckMessage(notificationId, services.now())]);
  return page.continuationToken === undefined
    ? { outcome: 'finished', page: step.page, queued: toSend.length }
    : { outcome: 'continued', page: step.page, queued: toSend.length };
}

/**
 * A dead-lettered step ends its chain: the pages after it were never read, so the fan-out is `failed` with the
 * dead-letter's reason instead of `expanding` forever. Undefined (nothing to write) when the chain already
 * ended, or when this step's page was counted: then it got as far as enqueuing the next step, which goes on.
 */
export function fanOutAfterDeadLetter(
  progress: FanOutProgress | undefined,
  notificationId: string,
  step: FanOutStep,
  error: DeliveryError,
  now: Date,
): FanOutProgress | undefined {
  if (progress !== undefined && (progress.state !== 'expanding' || step.page < progress.pagesDone)) return undefined;
  const base = progress ?? { notificationId, targetIndex: step.targetIndex, tenantId: step.tenantId, scope: step.scope, pagesDone: 0, deliveries: 0 };
  return { ...base, state: 'failed', error, updatedAt: now.toISOString() };
}

/** Records a dead-lettered step's chain as failed; whether it did. */
export async function recordFanOutDeadLetter(notificationId: string, step: FanOutStep, error: DeliveryError, store: FanOutProgressStore, now: Date): Promise<boolean> {
  const failed = fanOutAfterDeadLetter(await store.getFanOutProgress(notificationId, step.targetIndex), notificationId, step, error, now);
  if (failed === undefined) return false;
  await store.saveFanOutProgress(failed);
  return true;
}
