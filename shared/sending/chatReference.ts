import { type ChannelToReach, type ChatToCreate, isChannelToReach } from '../notifications/store/notificationStore';
import { type StoredConversation } from '../store/conversationStore';
import { type SenderRuntime } from './senderDependencies';
import { tenantReference } from './tenantReference';

/** The stored reference a `createFor` conversation is reached with: the tenant's for a personal chat, the team's for a channel. */
export async function referenceFor(runtime: SenderRuntime, createFor: ChatToCreate): Promise<StoredConversation | undefined> {
  return isChannelToReach(createFor) ? teamReference(runtime, createFor) : tenantReference(runtime, createFor.tenantId, createFor.referenceConversationId);
}

/** The named channel of the team if still active, else any active channel conversation of the team. */
async function teamReference(runtime: SenderRuntime, channel: ChannelToReach): Promise<StoredConversation | undefined> {
  const { conversations } = runtime;
  const usable = (candidate: StoredConversation | undefined): candidate is StoredConversation =>
    candidate?.status === 'active' && candidate.teamId === channel.teamId && candidate.tenantId === channel.tenantId;
  if (channel.referenceConversationId !== undefined) {
    const preferred = await conversations.get(channel.referenceConversationId);
    if (usable(preferred)) return preferred;
  }
  for await (const page of conversations.listByTeam(channel.teamId)) {
    for (const summary of page.filter((row) => row.status === 'active' && !row.isThread)) {
      const candidate = await conversations.get(summary.conversationId);
      if (usable(candidate)) return candidate;
    }
  }
  return undefined;
}
