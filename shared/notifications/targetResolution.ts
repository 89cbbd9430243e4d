import { deliveryKey } from '../queue/deliveryMessage';
import { type ConversationStore, type StoredConversation } from '../store/conversationStore';
import { type ConversationType } from './notificationMessage';
import { type ChatToCreate, type UnresolvedReason, unresolvedReasons } from './notificationStore';
import { type NotificationTarget, type TenantTargetScope } from './notificationTarget';

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
export type ConversationLookups = Pick<ConversationStore, 'get' | 'findPersonal' | 'findTeamChannel' | 'listByTenant'>;

/** Targets resolved at once; the rest wait (a request has at most 1,000, each a read or two). */
const resolutionConcurrency = 16;

/** Every target of a request, in request order (resolution of a tenant target is only "fan out later"). */
export async function resolveTargets(targets: readonly NotificationTarget[], lookups: ConversationLookups): Promise<TargetResolution[]> {
  const results: TargetResolution[] = new Array<TargetResolution>(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < targets.length; index = next++) {
      const target = targets[index];
      if (target !== undefined) results[index] = await resolveTarget(target, lookups);
    }
  };
  await Promise.all(Array.from({ length: Math.min(resolutionConcurrency, targets.length) }, worker));
  return results;
}

export async function resolveTarget(target: NotificationTarget, lookups: ConversationLookups): Promise<TargetResolution> {
  switch (target.kind) {
    case 'conversation':
      return resolveStored(await lookups.get(target.conversationId), `No conversation ${target.conversationId} is stored; the bot has not been installed there or never heard from it`);
    case 'team': {
      const channel = target.channelId ?? target.teamId;
      const found = await lookups.findTeamChannel(target.teamId, target.channelId);
      return resolveStored(found, `No ${target.channelId === undefined ? 'General channel' : `channel ${channel}`} of team ${target.teamId} is stored; install the app in the team`);
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
