import { type ConnectorConversationTarget } from '../connector/botConnectorClient';
import { type OutboundActivity } from '../queue/deliveryMessage';
import { effectiveServiceUrl, type StoredConversation } from '../store/storedConversation';

/**
 * Where and as whom a copy is posted, taken from one stored reference exactly as Teams sent it: its
 * serviceUrl (or the override the message or the conversation remembers after 403 InvalidBotApiHost), its
 * conversation, the inbound activity's `recipient` as `from` (`28:<appId>`), its user as `recipient`, its
 * channelId. Nothing is rebuilt by hand (docs/architecture.md: a hand-made `from` or serviceUrl gets 403).
 */
export function targetOf(conversation: Pick<StoredConversation, 'reference' | 'serviceUrlOverride'>, serviceUrlOverride?: string): ConnectorConversationTarget {
  const { reference } = conversation;
  const target: ConnectorConversationTarget = {
    serviceUrl: serviceUrlOverride ?? effectiveServiceUrl(conversation),
    conversation: reference.conversation,
    bot: reference.bot,
    channelId: reference.channelId,
  };
  if (reference.user !== undefined) target.user = reference.user;
  return target;
}

/**
 * A conversation the gateway has no reference of: a personal chat it created (POST /v3/conversations answers
 * only its id), or a channel of a team addressed by its channel id. The bot account, channel and serviceUrl
 * come from the stored reference it is reached with (the tenant's, or another channel of the team).
 */
export function createdChatTarget(
  tenantReference: Pick<StoredConversation, 'reference' | 'serviceUrlOverride'>,
  chat: { conversationId: string; tenantId: string; type: 'personal' | 'channel' },
  serviceUrlOverride?: string,
): ConnectorConversationTarget {
  const conversation = chat.type === 'channel' ? { isGroup: true, conversationType: 'channel' } : { conversationType: 'personal' };
  return {
    serviceUrl: serviceUrlOverride ?? effectiveServiceUrl(tenantReference),
    conversation: { ...conversation, id: chat.conversationId, tenantId: chat.tenantId },
    bot: tenantReference.reference.bot,
    channelId: tenantReference.reference.channelId,
  };
}

/**
 * The tenant in channelData too, as Teams' proactive-messaging samples send it; the activity's own
 * channelData (if any) is kept.
 */
export function withTenant(activity: OutboundActivity, tenantId: string | undefined): OutboundActivity {
  if (tenantId === undefined) return activity;
  const channelData = typeof activity.channelData === 'object' && activity.channelData !== null ? (activity.channelData as Record<string, unknown>) : {};
  return { ...activity, channelData: { ...channelData, tenant: { id: tenantId } } };
}
