import { createHash } from 'node:crypto';

import { type DeliveryCounts, type DeliveryError } from '../notifications/store/notificationStore';

/** The events a callback reports: the notification's final state, and (if asked) each failed delivery. */
export const callbackEventTypes = ['notification.final', 'delivery.failed'] as const;
export type CallbackEventType = (typeof callbackEventTypes)[number];

export const callbackEventStates = ['pending', 'delivered', 'failed'] as const;
export type CallbackEventState = (typeof callbackEventStates)[number];

/** One POST of an event and how it ended. */
export interface CallbackAttempt {
  at: string;
  outcome: 'delivered' | 'retry' | 'failed';
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** HTTP_<status>, or why no answer came (TIMEOUT, ECONNREFUSED, ADDRESS_REFUSED, …). */
  code?: string;
}

/** The body POSTed to the receiver: the same bytes on every attempt (stored with the event). */
export interface CallbackBody {
  eventId: string;
  type: CallbackEventType;
  notificationId: string;
  /** notification.final: the notification's final status; delivery.failed: the delivery's (`failed`). */
  status: string;
  /** notification.final: the deliveries' counts as they ended. */
  counts?: DeliveryCounts;
  tag?: string;
  /** When the event happened (ISO time). */
  at: string;
  /** For delivery.failed: which delivery, and why. */
  delivery?: { conversationId?: string; user?: { tenantId: string; userId: string }; error?: DeliveryError; failureClass?: string };
}

/** An event's row in the notification's partition (tableCallbackEventStore.ts). */
export interface CallbackEventRecord {
  notificationId: string;
  eventId: string;
  type: CallbackEventType;
  /** The receiver, as the request named it. */
  url: string;
  state: CallbackEventState;
  attempts: CallbackAttempt[];
  /** When the next attempt is due, while `pending` after a failed attempt. */
  nextAttemptAt?: string;
  bodyJson: string;
  createdAt: string;
  updatedAt: string;
  etag?: string;
}

/**
 * The event's id, deterministic so that every path that raises the same event (a repeated check, a
 * redelivered message, the reconciler) lands on the same row and message: `evt_` + 32 hex characters.
 */
export function callbackEventId(notificationId: string, type: CallbackEventType, deliveryKey = ''): string {
  return `evt_${createHash('sha256').update([notificationId, type, deliveryKey].join('\u0000')).digest('hex').slice(0, 32)}`;
}

export function newCallbackEvent(url: string, body: CallbackBody, now: Date): CallbackEventRecord {
  const at = now.toISOString();
  return { notificationId: body.notificationId, eventId: body.eventId, type: body.type, url, state: 'pending', attempts: [], bodyJson: JSON.stringify(body), createdAt: at, updatedAt: at };
}
