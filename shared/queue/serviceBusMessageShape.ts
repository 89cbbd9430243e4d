import { createHash } from 'node:crypto';

import { type ServiceBusMessage } from '@azure/service-bus';

import { errorCodes, type ErrorDetail, GatewayError } from '../errors';
import { deliveryKey, type DeliveryMessage, deliveryMessageId, deliveryMessageSchema } from './deliveryMessage';
import { type QueuedDelivery } from './deliveryQueue';
import { type ReceivedQueueMessage } from './messageSettlement';

/** Service Bus rejects a `sessionId` longer than this (the SDK checks before sending). */
export const maxSessionIdLength = 128;

/** Service Bus treats a shorter TTL as already expired on arrival; a delivery past its time still gets one look. */
const minimumTimeToLiveInMs = 1_000;

/** `contentType` that makes the Functions SDK binding hand the handler the parsed JSON object, not a string. */
export const deliveryContentType = 'application/json';

/**
 * The Service Bus message for one delivery, the same on both hosts (the Service Bus adapter and the local
 * host's in-process queue both call this). Pure: the only input besides the delivery is the clock.
 */
export function toServiceBusMessage(delivery: QueuedDelivery, now: Date): ServiceBusMessage {
  const body = delivery.body;
  const key = deliveryKey(body);
  if (key === '') {
    throw new GatewayError(errorCodes.Internal, `Delivery ${body.notificationId}/${body.operation} has neither conversationId nor createFor`);
  }
  const applicationProperties: NonNullable<ServiceBusMessage['applicationProperties']> = {
    notificationId: body.notificationId,
    operation: body.operation,
    attempt: body.attempt,
  };
  if (body.conversationId !== undefined) applicationProperties.conversationId = body.conversationId;

  const message: ServiceBusMessage = {
    messageId: deliveryMessageId(body),
    sessionId: toSessionId(key),
    body,
    contentType: deliveryContentType,
    subject: body.operation,
    applicationProperties,
  };
  // Only a future time makes a scheduled message; a past or present one is an ordinary send.
  const scheduled = delivery.notBefore !== undefined && delivery.notBefore.getTime() > now.getTime() ? delivery.notBefore : undefined;
  if (scheduled !== undefined) message.scheduledEnqueueTimeUtc = scheduled;
  if (body.expiresAt !== undefined) {
    // TTL counts from the moment the message becomes active (the scheduled time for a scheduled message).
    const activeFrom = (scheduled ?? now).getTime();
    message.timeToLive = Math.max(minimumTimeToLiveInMs, Date.parse(body.expiresAt) - activeFrom);
  }
  return message;
}

/**
 * The session of a delivery: the conversation id, which keeps one conversation's sends, updates and deletes
 * in order. Teams conversation ids can be longer than Service Bus allows (personal chats `a:1...` often are),
 * so a longer key keeps a readable prefix and ends in its SHA-256, deterministically: the same conversation is
 * always the same session. Nothing reads the conversation back from the session id (the body carries it).
 */
export function toSessionId(key: string): string {
  if (key.length <= maxSessionIdLength) return key;
  const digest = createHash('sha256').update(key, 'utf8').digest('base64url'); // 43 characters
  return `${key.slice(0, maxSessionIdLength - digest.length - 1)}~${digest}`;
}

export type ParsedDeliveryBody = { ok: true; delivery: DeliveryMessage } | { ok: false; error: { message: string; details: ErrorDetail[] } };

/**
 * The delivery in a received message, or what is wrong with it (paths as `activity.attachments[0].contentType`).
 * Never throws: a message that is not ours is recorded and dead-lettered, never a crash. Accepts the body as
 * the SDK binding hands it over (parsed JSON for `application/json`), or as text/bytes when the content type
 * was lost on the way.
 */
export function parseDeliveryBody(received: Pick<ReceivedQueueMessage, 'body'>): ParsedDeliveryBody {
  let body = received.body;
  if (body instanceof Uint8Array) body = Buffer.from(body).toString('utf8');
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'unparseable';
      return { ok: false, error: { message: 'Message body is not JSON', details: [{ path: '', message: reason }] } };
    }
  }
  const parsed = deliveryMessageSchema.safeParse(body);
  if (parsed.success) return { ok: true, delivery: parsed.data };
  return {
    ok: false,
    error: {
      message: 'Message body is not a delivery',
      details: parsed.error.issues.map((issue) => ({ path: toJsonPath(issue.path), message: issue.message })),
    },
  };
}

function toJsonPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text === '' ? part : `${text}.${part}`), '');
}
