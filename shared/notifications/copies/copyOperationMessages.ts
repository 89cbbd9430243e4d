import { type DeliveryMessage } from '../../queue/deliveryMessage';
import { type QueuedDelivery } from '../../queue/deliveryQueue';
import { buildOutboundActivity } from '../request/outboundActivityBuilder';
import { type DeliveryRecord, type NotificationRecord } from '../store/notificationStore';

/**
 * The queue messages that act on one conversation's copy: send, update, delete. Each is addressed the way
 * the delivery was created (conversation id, or the user whose chat is created), so all of a conversation's
 * messages share one session and stay in order behind the send. Pure: ids follow from the inputs alone.
 */

/** Sends always carry revision 0, so a repeated fan-out page after a PATCH still has the same messageId. */
const sendRevision = 0;

export function sendMessageFor(delivery: DeliveryRecord, notification: Pick<NotificationRecord, 'id' | 'message' | 'sendAt' | 'expiresAt' | 'callback'>): QueuedDelivery {
  const body: DeliveryMessage = {
    ...addressOf(delivery, notification.id),
    operation: 'send',
    attempt: 1,
    revision: sendRevision,
    activity: buildOutboundActivity(notification.message, delivery.conversationType ?? 'personal'),
  };
  if (body.conversationId !== undefined && delivery.tenantId !== undefined) body.tenantId = delivery.tenantId;
  if (notification.expiresAt !== undefined) body.expiresAt = notification.expiresAt;
  if (notification.callback !== undefined) body.callbacks = { deliveryFailures: notification.callback.deliveryFailures };
  return withNotBefore({ body }, notification.sendAt);
}

/**
 * An update of the copy to the notification's current message. Scheduled like the send, so an update of a
 * not-yet-due send does not overtake it (the session only holds a scheduled message once it is due); the send
 * path reschedules an update that still finds its send pending.
 */
export function updateMessageFor(delivery: DeliveryRecord, notification: Pick<NotificationRecord, 'id' | 'message' | 'revision' | 'sendAt'>): QueuedDelivery {
  const body: DeliveryMessage = {
    ...addressOf(delivery, notification.id),
    operation: 'update',
    attempt: 1,
    revision: notification.revision,
    activity: buildOutboundActivity(notification.message, delivery.conversationType ?? 'personal'),
  };
  // A past notBefore is an ordinary send (toServiceBusMessage), so only a still-due send delays its update.
  return withNotBefore({ body }, delivery.status === 'queued' ? notification.sendAt : undefined);
}

/**
 * The delete carries the revision the notification was deleted at, so the copy's `lastOperation` matches the
 * notification's revision. A deleted notification takes no more PATCHes, so its revision is frozen: a
 * repeated DELETE re-enqueues the same ids, which duplicate detection drops.
 */
export function deleteMessageFor(delivery: DeliveryRecord, notification: Pick<NotificationRecord, 'id' | 'revision' | 'callback'>): QueuedDelivery {
  const body: DeliveryMessage = { ...addressOf(delivery, notification.id), operation: 'delete', attempt: 1, revision: notification.revision };
  // The last delete to finish makes a deleted notification final: it raises the callback check.
  if (notification.callback !== undefined) body.callbacks = { deliveryFailures: false };
  return { body };
}

function addressOf(delivery: DeliveryRecord, notificationId: string): Pick<DeliveryMessage, 'version' | 'notificationId' | 'conversationId' | 'createFor'> {
  // A created chat's later operations keep the user key (their session); the send path reads the chat's id from the record.
  if (delivery.createFor !== undefined) return { version: 1, notificationId, createFor: { ...delivery.createFor } };
  return { version: 1, notificationId, conversationId: delivery.conversationId ?? delivery.key };
}

function withNotBefore(delivery: QueuedDelivery, at: string | undefined): QueuedDelivery {
  return at === undefined ? delivery : { ...delivery, notBefore: new Date(at) };
}
