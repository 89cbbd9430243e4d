import { type ConversationScope } from '../../activity/conversationFacts';
import { type ConversationStore, type ConversationSummary } from '../../store/conversationStore';
import { type TenantTargetScope } from '../request/notificationTarget';

export interface TenantAudiencePage {
  /** Active conversations of the scope (no reply threads); may be empty while more pages follow. */
  conversations: ConversationSummary[];
  /** Where the next page starts; absent after the last page. */
  continuationToken?: string;
}

/**
 * A tenant's broadcast audience, one resumable page at a time: a fan-out step reads one page, queues it and
 * hands the token to the next step's message (port).
 */
export interface TenantAudience {
  page(tenantId: string, scope: TenantTargetScope, options: { continuationToken?: string; pageSize: number }): Promise<TenantAudiencePage>;
}

/** A tenant target's scope as a conversation scope; `all` is every scope (reply threads are never listed). */
const conversationScopeOf: Readonly<Record<TenantTargetScope, ConversationScope | undefined>> = {
  personal: 'personal',
  groupChat: 'groupChat',
  team: 'channel',
  all: undefined,
};

/** The audience is the tenant's active conversations of the scope, as the conversation store pages them. */
export function createTenantAudience(conversations: Pick<ConversationStore, 'listTenantPage'>): TenantAudience {
  return {
    async page(tenantId, scope, options) {
      const kind = conversationScopeOf[scope];
      return conversations.listTenantPage(tenantId, {
        status: 'active',
        pageSize: options.pageSize,
        ...(kind === undefined ? {} : { scope: kind }),
        ...(options.continuationToken === undefined ? {} : { continuationToken: options.continuationToken }),
      });
    },
  };
}
