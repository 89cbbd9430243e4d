import { createHash } from 'node:crypto';

import { z } from 'zod';

/**
 * The body of one queued delivery: one (notification, conversation, operation). It carries the activity to
 * post so that a send needs no read of the notification; everything else (reference, status) is read fresh.
 */
export const deliveryOperations = ['send', 'update', 'delete'] as const;
export type DeliveryOperation = (typeof deliveryOperations)[number];

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
  /** For a personal chat created at send time (POST /v3/conversations). */
  createFor: z.object({ tenantId: z.string().min(1), userAadObjectId: z.string().min(1) }).optional(),
  /** 1 for the first attempt; a rescheduled retry carries attempt + 1. */
  attempt: z.number().int().min(1),
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

/** The key a delivery's status record and session use: the conversation, or the user whose chat is created. */
export function deliveryKey(message: Pick<DeliveryMessage, 'conversationId' | 'createFor'>): string {
  if (message.conversationId !== undefined) return message.conversationId;
  if (message.createFor !== undefined) return `user:${message.createFor.tenantId}:${message.createFor.userAadObjectId}`;
  return '';
}

/**
 * Deterministic Service Bus `messageId` (≤ 128 chars): the same (notification, conversation, operation,
 * revision, attempt) always yields the same id, so duplicate detection drops a repeated enqueue while a
 * rescheduled retry (attempt + 1) is a new message.
 */
export function deliveryMessageId(message: Pick<DeliveryMessage, 'notificationId' | 'operation' | 'revision' | 'attempt' | 'conversationId' | 'createFor'>): string {
  const digest = createHash('sha256')
    .update([message.notificationId, deliveryKey(message), message.operation, String(message.revision), String(message.attempt)].join('\u0000'))
    .digest('base64url');
  return `${message.operation}-${digest}`;
}
