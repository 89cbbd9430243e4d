import { activityTenantId, type InboundActivity } from './inboundActivity';

export const conversationScopes = ['personal', 'groupChat', 'channel'] as const;
export type ConversationScope = (typeof conversationScopes)[number];

/**
 * What the gateway indexes a conversation by. None of it is sent back to Teams (the reference is), so
 * deriving it is not "rebuilding a reference".
 */
export interface ConversationFacts {
  conversationId: string;
  tenantId: string;
  scope: ConversationScope;
  /** Channel scope: channelData.team.id (the General channel's id equals it). */
  teamId?: string;
  /** Channel scope: the channel's id, i.e. the conversation id without its `;messageid=` thread suffix. */
  teamsChannelId?: string;
  /** A reply thread in a channel (`...;messageid=...`): reachable, but not a channel's own conversation. */
  isThread: boolean;
  /** Personal scope: the user's Entra object id, for lookups by user. */
  userAadObjectId?: string;
}

const threadMarker = ';messageid=';

export function conversationFactsOf(activity: InboundActivity): ConversationFacts {
  const conversation = activity.conversation;
  const scope = scopeOf(activity);
  const facts: ConversationFacts = {
    conversationId: conversation.id,
    tenantId: activityTenantId(activity),
    scope,
    isThread: scope === 'channel' && conversation.id.includes(threadMarker),
  };
  if (scope === 'channel') {
    const teamId = activity.channelData?.team?.id;
    if (teamId !== undefined) facts.teamId = teamId;
    // channelData.channel names the *subject* of channel events (channelCreated/Deleted), not this conversation.
    facts.teamsChannelId = channelIdOfConversation(conversation.id);
  }
  if (scope === 'personal' && activity.from?.aadObjectId !== undefined && activity.from.id !== activity.recipient.id) {
    facts.userAadObjectId = activity.from.aadObjectId;
  }
  return facts;
}

/** In Teams, a channel conversation's id is the channel id, with `;messageid=<root>` for a reply thread. */
export function channelIdOfConversation(conversationId: string): string {
  const at = conversationId.indexOf(threadMarker);
  return at === -1 ? conversationId : conversationId.slice(0, at);
}

function scopeOf(activity: InboundActivity): ConversationScope {
  const declared = activity.conversation.conversationType;
  if (declared === 'personal' || declared === 'groupChat' || declared === 'channel') return declared;
  // Older payloads omit conversationType; team presence and isGroup tell the same thing.
  if (activity.channelData?.team !== undefined) return 'channel';
  return activity.conversation.isGroup === true ? 'groupChat' : 'personal';
}
