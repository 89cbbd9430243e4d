import { mapWithConcurrency } from '../../mapWithConcurrency';
import { deliveryKey } from '../../queue/deliveryMessage';
import { type ConversationStore, type StoredConversation } from '../../store/conversationStore';
import { type ConversationType } from '../request/notificationMessage';
import { type NotificationTarget, type TenantTargetScope } from '../request/notificationTarget';
import { type ChannelToReach, type ChatToCreate, type UnresolvedReason, unresolvedReasons } from '../store/notificationStore';

/** What one target of a request comes to. */
export type TargetResolution =
  /** One conversation (stored, or a personal chat to create at send time). */
  | { kind: 'deliver'; delivery: ResolvedDelivery }
  /** Reported, not queued. */
  | { kind: 'unresolved'; reason: UnresolvedReason; message: string; conversationId?: string; removalReason?: string }
  /** A tenant broadcast, expanded later by fan-out steps (tenantFanOut.ts). */
  | { kind: 'fanOut'; tenantId: string; scope: TenantTargetScope };

export interface ResolvedDelivery {
  /** deliveryKey: the conversation id, or `user:<tenant>:<user>` for a chat to create. */
  key: string;
  conversationId?: string;
  createFor?: ChatToCreate;
  conversationType: ConversationType;
  tenantId: string;
}

/** The reads resolution needs, all point reads or one-partition queries of the conversation store. */
export type ConversationLookups = Pick<ConversationStore, 'get' | 'findPersonal' | 'findTeamChannel' | 'listByTeam' | 'listByTenant'>;

/** Targets resolved at once; the rest wait (a request has at most 1,000, each a read or two). */
const resolutionConcurrency = 16;

/** Every target of a request, in request order (resolution of a tenant target is only "fan out later"). */
export async function resolveTargets(targets: readonly NotificationTarget[], lookups: ConversationLookups): Promise<TargetResolution[]> {
  return mapWithConcurrency(targets, resolutionConcurrency, async (target) => resolveTarget(target, lookups));
}

export async function resolveTarget(target: NotificationTarget, lookups: ConversationLookups): Promise<TargetResolution> {
  switch (target.kind) {
    case 'conversation':
      return resolveStored(await lookups.get(target.conversationId), `No conversation ${target.conversationId} is stored; the bot has not been installed there or never heard from it`);
    case 'team': {
      const found = await lookups.findTeamChannel(target.teamId, target.channelId);
      if (found !== undefined) return resolveStored(found, '');
      return resolveChannelToReach(target, await teamChannelsOf(target.teamId, lookups));
    }
    case 'user': {
      const personal = await lookups.findPersonal(target.tenantId, target.userId);
      if (personal !== undefined) return resolveStored(personal, '');
      return resolveChatToCreate(target, await anyActiveConversationOf(target.tenantId, lookups));
    }
    case 'tenant':
      return { kind: 'fanOut', tenantId: target.tenantId, scope: target.scope };
  }
}

/** A stored conversation (or none) as a resolution: active → deliver; removed → reported with its stored reason. */
export function resolveStored(conversation: StoredConversation | undefined, notFoundMessage: string): TargetResolution {
  if (conversation === undefined) return { kind: 'unresolved', reason: unresolvedReasons.ConversationNotFound, message: notFoundMessage };
  if (conversation.status === 'removed') {
    const removalReason = conversation.removedReason ?? conversation.statusReason ?? 'unknown';
    const since = conversation.removedAt === undefined ? '' : ` since ${conversation.removedAt}`;
    return {
      kind: 'unresolved',
      reason: unresolvedReasons.ConversationRemoved,
      message: `Conversation ${conversation.conversationId} was removed${since} (${removalReason}); it comes back when Teams reports the bot added again`,
      conversationId: conversation.conversationId,
      removalReason,
    };
  }
  return {
    kind: 'deliver',
    delivery: { key: deliveryKey({ conversationId: conversation.conversationId }), conversationId: conversation.conversationId, conversationType: conversation.scope, tenantId: conversation.tenantId },
  };
}

/**
 * A user with no stored personal chat. If the gateway knows the tenant (an active conversation there gives a
 * reference with the bot's account and the tenant's serviceUrl), the send path creates the chat with
 * POST /v3/conversations; that works once the app is installed for the user. Otherwise nothing can reach them.
 */
export function resolveChatToCreate(target: Extract<NotificationTarget, { kind: 'user' }>, tenantConversation: StoredConversation | undefined): TargetResolution {
  if (tenantConversation === undefined) {
    return {
      kind: 'unresolved',
      reason: unresolvedReasons.ConversationNotFound,
      message: `No personal chat with user ${target.userId} is stored and the gateway knows no active conversation in tenant ${target.tenantId} to create one from; install the app for the user or in a team of the tenant`,
    };
  }
  const createFor: ChatToCreate = { tenantId: target.tenantId, userAadObjectId: target.userId, referenceConversationId: tenantConversation.conversationId };
  return { kind: 'deliver', delivery: { key: deliveryKey({ createFor }), createFor, conversationType: 'personal', tenantId: target.tenantId } };
}

/**
 * A team target whose channel is not stored. Teams installs a bot in a team, not in a channel, and lets it
 * post to any channel of the team; a channel's conversation id is its channel id (General's is the team id).
 * So when another channel of the team is stored active, the copy is posted to the channel by id with that
 * channel's reference (its serviceUrl and bot account, never edited). A team removed everywhere (uninstalled,
 * deleted, archived) is reported with its reason; an unknown team as not found.
 */
export function resolveChannelToReach(target: Extract<NotificationTarget, { kind: 'team' }>, teamChannels: readonly StoredConversation[]): TargetResolution {
  const channelId = target.channelId ?? target.teamId;
  const active = teamChannels.find((conversation) => conversation.status === 'active');
  if (active === undefined) {
    const removed = teamChannels[0];
    if (removed !== undefined) return resolveStored(removed, '');
    return {
      kind: 'unresolved',
      reason: unresolvedReasons.ConversationNotFound,
      message: `No channel of team ${target.teamId} is stored; install the app in the team (the gateway stores a team when Teams sends it the install)`,
    };
  }
  const createFor: ChannelToReach = { tenantId: active.tenantId, teamId: target.teamId, channelId, referenceConversationId: active.conversationId };
  return { kind: 'deliver', delivery: { key: deliveryKey({ createFor }), createFor, conversationType: 'channel', tenantId: active.tenantId } };
}

/** The team's stored channel conversations (not reply threads), active first; the record decides, not the index. */
async function teamChannelsOf(teamId: string, lookups: ConversationLookups): Promise<StoredConversation[]> {
  const found: StoredConversation[] = [];
  for await (const page of lookups.listByTeam(teamId)) {
    const channels = page.filter((summary) => !summary.isThread).sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active'));
    for (const summary of channels) {
      const conversation = await lookups.get(summary.conversationId);
      if (conversation === undefined || conversation.isThread || conversation.teamId !== teamId) continue;
      if (conversation.status === 'active') return [conversation];
      found.push(conversation);
    }
  }
  return found;
}

async function anyActiveConversationOf(tenantId: string, lookups: ConversationLookups): Promise<StoredConversation | undefined> {
  for await (const page of lookups.listByTenant(tenantId, { status: 'active', pageSize: 5 })) {
    // The index may lag its record for a moment: the record decides.
    for (const summary of page) {
      const conversation = await lookups.get(summary.conversationId);
      if (conversation?.status === 'active') return conversation;
    }
    return undefined;
  }
  return undefined;
}
