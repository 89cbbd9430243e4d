import { ensureError } from '../errors';
import { deliveryView } from '../notifications/status/notificationStatus';
import { type NotificationStore } from '../notifications/store/notificationStore';
import { deliveryKey, type DeliveryMessage } from '../queue/deliveryMessage';
import { type DeliveryQueue } from '../queue/deliveryQueue';
import { type DeliveryOutcome } from '../sending/deliveryOutcomeLog';
import { type CallbackBody, callbackEventId, newCallbackEvent } from './callbackEvent';
import { type CallbackEventStore } from './callbackEventStore';
import { callbackCheckMessage, callbackEventMessage } from './callbackMessages';

export interface CallbackTriggerServices {
  notifications: Pick<NotificationStore, 'getNotification' | 'getDelivery'>;
  events: CallbackEventStore;
  queue: DeliveryQueue;
  now: () => Date;
}

/** Outcomes that leave a delivery (or its delete) final: the notification may have become final with them. */
const finalOutcomes: ReadonlySet<DeliveryOutcome> = new Set(['sent', 'skipped', 'failed', 'deleted']);

/**
 * After the send or deadLetter function recorded a delivery's outcome: for a notification with a callback
 * (the message carries `callbacks`), raise a callback check, and for a failed send with deliveryFailures a
 * `delivery.failed` event. Never throws: a callback must not hold up or undo a delivery, so trouble here is
 * a note (the state is recorded; a later outcome of the notification raises the next check).
 */
export async function raiseCallbacksAfter(message: DeliveryMessage, outcome: DeliveryOutcome | undefined, services: CallbackTriggerServices): Promise<string[]> {
  if (message.callbacks === undefined || outcome === undefined || !finalOutcomes.has(outcome)) return [];
  try {
    const notes: string[] = [];
    if (outcome === 'failed' && message.operation === 'send' && message.callbacks.deliveryFailures) {
      notes.push(await raiseDeliveryFailed(message.notificationId, deliveryKey(message), services));
    }
    await services.queue.enqueue([callbackCheckMessage(message.notificationId, services.now())]);
    return notes;
  } catch (thrown) {
    return [`could not raise the callbacks of ${message.notificationId} after its ${outcome} delivery: ${ensureError(thrown).message}`];
  }
}

/** Stores the failed delivery's event (once per delivery) and queues its first POST. */
async function raiseDeliveryFailed(notificationId: string, key: string, services: CallbackTriggerServices): Promise<string> {
  const [notification, delivery] = await Promise.all([services.notifications.getNotification(notificationId), services.notifications.getDelivery(notificationId, key)]);
  if (notification?.callback === undefined || delivery === undefined) return `no callback or delivery row for ${notificationId}/${key}`;
  const now = services.now();
  const eventId = callbackEventId(notificationId, 'delivery.failed', key);
  const view = deliveryView(delivery);
  const about: NonNullable<CallbackBody['delivery']> = {};
  if (view.conversationId !== undefined) about.conversationId = view.conversationId;
  if (view.user !== undefined) about.user = view.user;
  if (view.lastError !== undefined) about.error = view.lastError;
  if (view.failureClass !== undefined) about.failureClass = view.failureClass;
  const body: CallbackBody = { eventId, type: 'delivery.failed', notificationId, status: view.status, at: now.toISOString(), delivery: about };
  if (notification.tag !== undefined) body.tag = notification.tag;
  const event = await services.events.addEvent(newCallbackEvent(notification.callback.url, body, now));
  if (event.state === 'pending') await services.queue.enqueue([callbackEventMessage(notificationId, eventId, event.attempts.length + 1)]);
  return `delivery.failed callback ${eventId} for ${notificationId}/${key} is ${event.state}`;
}
