import { finalNotificationStatuses } from '../notifications/status/notificationProgress';
import { readNotificationProgress } from '../notifications/status/notificationStatus';
import { type NotificationStore } from '../notifications/store/notificationStore';
import { type DeliveryQueue } from '../queue/deliveryQueue';
import { type CallbackBody, callbackEventId, newCallbackEvent } from './callbackEvent';
import { type CallbackEventStore } from './callbackEventStore';
import { callbackEventMessage } from './callbackMessages';

export interface CallbackCheckServices {
  notifications: Pick<NotificationStore, 'getNotification' | 'anyPendingDelivery' | 'countDeliveries' | 'listFanOutProgress'>;
  events: CallbackEventStore;
  queue: DeliveryQueue;
  now: () => Date;
}

/**
 * A `callbackCheck` message: if the notification has a callback and has reached its final state, store its
 * `notification.final` event (insert-if-absent: one per notification, and one more if it is deleted after
 * completing) and queue its first POST. Repeatable:
 * a second check finds the event and re-queues the same message, which duplicate detection drops.
 */
export async function runCallbackCheck(notificationId: string, services: CallbackCheckServices): Promise<string> {
  const notification = await services.notifications.getNotification(notificationId);
  if (notification?.callback === undefined) return `${notificationId} has no callback`;
  // While a broadcast is in flight most checks end here, on one small query instead of a count of every row.
  if (await services.notifications.anyPendingDelivery(notificationId)) return `${notificationId} still has deliveries in flight; they raise the next check`;
  const progress = await readNotificationProgress(notification, services.notifications);
  if (!finalNotificationStatuses.has(progress.status)) return `${notificationId} is ${progress.status}; its deliveries raise the next check`;
  const now = services.now();
  // A DELETE after completion is a second final state, reported as its own event.
  const eventId = callbackEventId(notificationId, 'notification.final', progress.status === 'deleted' ? 'deleted' : '');
  const body: CallbackBody = { eventId, type: 'notification.final', notificationId, status: progress.status, counts: progress.counts, at: now.toISOString() };
  if (notification.tag !== undefined) body.tag = notification.tag;
  const event = await services.events.addEvent(newCallbackEvent(notification.callback.url, body, now));
  if (event.state !== 'pending') return `${notificationId} final callback ${eventId} is ${event.state} already`;
  await services.queue.enqueue([callbackEventMessage(notificationId, eventId, event.attempts.length + 1)]);
  return `${notificationId} is ${progress.status}: callback ${eventId} queued`;
}
