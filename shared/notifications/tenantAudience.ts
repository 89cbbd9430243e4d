import { type ConversationSummary } from '../store/conversationStore';
import { type TenantTargetScope } from './notificationTarget';

export interface TenantAudiencePage {
  /** Active conversations of the scope (no reply threads); may be empty while more pages follow. */
  conversations: ConversationSummary[];
  /** Where the next page starts; absent after the last page. */
  continuationToken?: string;
}

/**
 * A tenant's broadcast audience, one resumable page at a time: a fan-out step reads one page, queues it and
 * hands the token to the next step's message (port). Adapter: tableTenantAudience.ts.
 */
export interface TenantAudience {
  page(tenantId: string, scope: TenantTargetScope, options: { continuationToken?: string; pageSize: number }): Promise<TenantAudiencePage>;
}
