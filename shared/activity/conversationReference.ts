import { z } from 'zod';

import { channelAccountSchema, conversationAccountSchema, type InboundActivity } from './inboundActivity';

/**
 * Bot Framework's ConversationReference: everything a proactive send needs, copied from one inbound activity
 * and never rebuilt by hand (a hand-made `from` or a serviceUrl from elsewhere gives 403: docs/architecture.md).
 * `bot` is the activity's `recipient` (`28:<appId>` in Teams), `user` its `from`.
 */
export const conversationReferenceSchema = z
  .object({
    activityId: z.string().optional(),
    user: channelAccountSchema.optional(),
    bot: channelAccountSchema,
    conversation: conversationAccountSchema,
    channelId: z.string().min(1),
    locale: z.string().optional(),
    serviceUrl: z.string().url(),
  })
  .passthrough();
export type ConversationReference = z.infer<typeof conversationReferenceSchema>;

/** The same copy botbuilder's TurnContext.getConversationReference makes (botbuilder itself is not a dependency). */
export function conversationReferenceOf(activity: InboundActivity): ConversationReference {
  const reference: ConversationReference = {
    bot: structuredClone(activity.recipient),
    conversation: structuredClone(activity.conversation),
    channelId: activity.channelId,
    serviceUrl: activity.serviceUrl,
  };
  if (activity.id !== undefined) reference.activityId = activity.id;
  if (activity.from !== undefined) reference.user = structuredClone(activity.from);
  if (activity.locale !== undefined) reference.locale = activity.locale;
  return reference;
}
