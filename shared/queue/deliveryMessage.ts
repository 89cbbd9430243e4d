import { createHash } from 'node:crypto';

import { z } from 'zod';

import { tenantTargetScopes } from '../notifications/request/notificationTarget';

/**
 * The body of one queued delivery: one (notification, conversation, operation). It carries the activity to
 * post so that a send needs no read of the notification; everything else (reference, status) is read fresh.
 */
export const deliveryOperations = ['send', 'update', 'delete', 'fanOut', 'callbackCheck', 'callback'] as const;
export type DeliveryOperation = (typeof deliveryOperations)[number];
/** The status-callback operations (shared/callbacks): a check whether the notification is final, and one event's POST. */
export type CallbackOperation = Extract<DeliveryOperation, 'callbackCheck' | 'callback'>;
/** The operations that address one conversation's copy (fanOut addresses a tenant's audience, callbacks a receiver). */
export type CopyOperation = Exclude<DeliveryOperation, 'fanOut' | CallbackOperation>;

export function isCallbackOperation(operation: DeliveryOperation): operation is CallbackOperation {
  return operation === 'callbackCheck' || operation === 'callback';
}

/**
 * A tenant target's broadcast, expanded one page of the tenant's conversations per message so the HTTP call
 * never waits for it (tenantFanOut.ts). `targetIndex` tells two tenant targets of one notification apart;
 * `page` numbers the chain's messages so each page has its own deterministic messageId.
 */
export const fanOutStepSchema = z.object({
  targetIndex: z.number().int().min(0),
  tenantId: z.string().min(1),
  scope: z.enum(tenantTargetScopes),
  page: z.number().int().min(0),
  /** Where the previous step stopped in the tenant's conversation index; absent on the first page. */
  continuationToken: z.string().min(1).optional(),
});
export type FanOutStep = z.infer<typeof fanOutStepSchema>;

/** The outbound message activity the gateway posts (built from the notification's `message`). */
export const outboundActivitySchema = z
  .object({
    type: z.literal('message'),
    text: z.string().optional(),
    textFormat: z.enum(['markdown', 'plain', 'xml']).optional(),
    summary: z.string().optional(),
    attachments: z.array(z.object({ contentType: z.string(), content: z.unknown() }).passthrough()).optional(),
    suggestedActions: z
      .object({ actions: z.array(z.object({ type: z.string(), title: z.string(), value: z.unknown() }).passthrough()) })
      .optional(),
  })
  .passthrough();
export type OutboundActivity = z.infer<typeof outboundActivitySchema>;

export const deliveryMessageSchema = z.object({
  version: z.literal(1),
  notificationId: z.string().min(1),
  operation: z.enum(deliveryOperations),
  /** The stored conversation; absent only for a user target whose personal chat is created at send time. */
  conversationId: z.string().min(1).optional(),
  /**
   * The conversation's tenant, on sends to a stored conversation: the copy is paced before any Table read, so
   * a copy put off to a later slot (most of a broadcast) costs no round trip until its slot.
   */
  tenantId: z.string().min(1).optional(),
  /** For a personal chat created at send time (POST /v3/conversations). */
  createFor: z
    .union([
      z.object({
        tenantId: z.string().min(1),
        userAadObjectId: z.string().min(1),
        /** A stored conversation of the tenant whose reference (serviceUrl, bot, channelId) the create call uses. */
        referenceConversationId: z.string().min(1).optional(),
      }),
      /** A channel of a team with another channel stored: posted to with that channel's reference. */
      z.object({
        tenantId: z.string().min(1),
        teamId: z.string().min(1),
        channelId: z.string().min(1),
        referenceConversationId: z.string().min(1).optional(),
      }),
    ])
    .optional(),
  /** For operation `fanOut` only. */
  fanOut: fanOutStepSchema.optional(),
  /**
   * On a send of a notification with a status callback: its final state triggers a callback check (and a
   * failure, with deliveryFailures, its own event). Absent otherwise, so other notifications pay nothing.
   */
  callbacks: z.object({ deliveryFailures: z.boolean() }).strict().optional(),
  /** For operation `callbackCheck`: the time bucket it was raised in (one check per notification and bucket). */
  callbackCheck: z.object({ bucket: z.number().int().min(0) }).strict().optional(),
  /** For operation `callback`: the event to POST (its row holds the body and the receiver). */
  callbackEvent: z.object({ eventId: z.string().min(1).max(64) }).strict().optional(),
  /** 1 for the first attempt; a rescheduled retry carries attempt + 1. */
  attempt: z.number().int().min(1),
  /**
   * Times this attempt was put off without being tried (pacing, an update waiting for its send). A deferral
   * is a new message, so it needs its own messageId, but it is not a failed attempt and must not count
   * toward maxAttempts.
   */
  deferral: z.number().int().min(1).optional(),
  /**
   * The pacing slot (ISO time) this copy was deferred to. The instance that deferred it booked the slot, so the
   * copy sends at that time without booking another; a copy that is tried (sent or retried) drops it.
   */
  pacedUntil: z.string().datetime({ offset: true }).optional(),
  /** The same for the Graph install a proactive installation makes first (its own pace, graphInstallPacer.ts). */
  installPacedUntil: z.string().datetime({ offset: true }).optional(),
  /** For send and update; absent for delete. */
  activity: outboundActivitySchema.optional(),
  /** Revision of an update (PATCH count) so two updates are two messages. */
  revision: z.number().int().min(0).default(0),
  /** ISO time after which the delivery is dead-lettered as Expired instead of sent. */
  expiresAt: z.string().datetime({ offset: true }).optional(),
  /** The serviceUrl to use instead of the stored one (GCC host after 403 InvalidBotApiHost). */
  serviceUrlOverride: z.string().url().optional(),
});
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

/**
 * The key a delivery's status record and session use: the conversation, or the user whose chat is created.
 * A fanOut step's key is `fanout:<notificationId>`: one session per notification keeps its fan-out pages in order.
 */
export function deliveryKey(
  message: Pick<DeliveryMessage, 'conversationId' | 'createFor'> & Partial<Pick<DeliveryMessage, 'notificationId' | 'fanOut' | 'callbackCheck' | 'callbackEvent'>>,
): string {
  if (message.fanOut !== undefined && message.notificationId !== undefined) return `fanout:${message.notificationId}`;
  // One session per notification for its callbacks: no conversation's sends ever wait behind a receiver.
  if ((message.callbackCheck !== undefined || message.callbackEvent !== undefined) && message.notificationId !== undefined) return `callback:${message.notificationId}`;
  if (message.conversationId !== undefined) return message.conversationId;
  if (message.createFor !== undefined) {
    return 'channelId' in message.createFor ? `channel:${message.createFor.tenantId}:${message.createFor.channelId}` : `user:${message.createFor.tenantId}:${message.createFor.userAadObjectId}`;
  }
  return '';
}

/**
 * Deterministic Service Bus `messageId` (≤ 128 chars): the same (notification, conversation, operation,
 * revision, attempt, deferral) always yields the same id, so duplicate detection drops a repeated enqueue
 * while a rescheduled retry (attempt + 1) or deferral (deferral + 1) is a new message.
 */
export function deliveryMessageId(
  message: Pick<DeliveryMessage, 'notificationId' | 'operation' | 'revision' | 'attempt' | 'conversationId' | 'createFor'> &
    Partial<Pick<DeliveryMessage, 'fanOut' | 'deferral' | 'callbackCheck' | 'callbackEvent'>>,
): string {
  const parts = [message.notificationId, deliveryKey(message), message.operation, String(message.revision), String(message.attempt)];
  // A fanOut step is one (target, page) of the chain; a repeated step re-enqueues the same next page only once.
  if (message.fanOut !== undefined) parts.push(String(message.fanOut.targetIndex), String(message.fanOut.page));
  if (message.callbackCheck !== undefined) parts.push(`bucket:${message.callbackCheck.bucket}`);
  if (message.callbackEvent !== undefined) parts.push(`event:${message.callbackEvent.eventId}`);
  // Only present when > 0, so ids of undeferred messages stay what they always were.
  if (message.deferral !== undefined) parts.push(`deferral:${message.deferral}`);
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('base64url');
  return `${message.operation}-${digest}`;
}
