import { type ConversationScope } from '../activity/conversationFacts';
import { type ConversationStatus } from '../activity/conversationLifecycle';
import { type ConversationSummary } from './conversationIndexRows';
import { type ActivityInput, type StatusChange } from './conversationTransitions';
import { type StoredConversation } from './storedConversation';

export type { ConversationSummary } from './conversationIndexRows';
export type { ActivityInput, StatusChange } from './conversationTransitions';
export type { ConversationRecord, StoredConversation } from './storedConversation';

/** Conditional write: only if the record still has this ETag (as read by the caller). */
export interface ConditionalWriteOptions {
  ifMatch?: string;
}

export type StatusChangeResult =
  /** The change was written; `conversation` is the new state. */
  | { outcome: 'applied'; conversation: StoredConversation }
  /**
   * Not written: a newer decision is stored (ordering rule in conversationTransitions.ts), the record no
   * longer has the ETag given as ifMatch, or an activation did not apply (onlyIfRemovedFor). `conversation`
   * is the state that stands.
   */
  | { outcome: 'superseded'; conversation: StoredConversation }
  | { outcome: 'notFound' };

export interface ListByTenantOptions {
  /** One scope; all scopes when absent. Reply threads are never listed here (not notification targets). */
  scope?: ConversationScope;
  status?: ConversationStatus;
  /** Rows per page (the service caps a page at 1000). */
  pageSize?: number;
}

export interface TenantPageOptions extends ListByTenantOptions {
  /** From the previous page of the same tenant, scope and status; absent for the first page. */
  continuationToken?: string;
}

export interface TenantPage {
  /** May be empty while more pages follow (a server-side filter can leave a page empty). */
  conversations: ConversationSummary[];
  /** Where the next page starts; absent after the last page. Opaque, and only for the same query. */
  continuationToken?: string;
}

export interface ConversationFilter {
  tenantId?: string;
  /** A user's Entra object id: their personal conversations. Requires tenantId. */
  userId?: string;
  teamId?: string;
  status?: ConversationStatus;
}

export interface PageOptions {
  /** From the previous page, for the same filter. */
  continuationToken?: string;
  pageSize?: number;
}

export interface ConversationPage {
  items: StoredConversation[];
  /** Absent on the last page. */
  continuationToken?: string;
}

/**
 * The conversation store as the rest of the gateway sees it (port). Adapter: tableConversationStore.ts.
 * Storage failures surface as GatewayError STORAGE_UNAVAILABLE; write races are resolved inside (re-read on
 * 412/409 and re-apply), so no install, uninstall or prune is lost.
 */
export interface ConversationStore {
  /** Point read by conversation id; undefined when unknown. */
  get(conversationId: string): Promise<StoredConversation | undefined>;
  /** Stores the reference from an activity (newer replaces older) and applies its lifecycle change, ordered. */
  upsertFromActivity(input: ActivityInput): Promise<{ conversation: StoredConversation; verdict?: StatusChangeResult['outcome'] }>;
  /** Any ordered status decision for a stored conversation (team-wide lifecycle events, restores). */
  applyStatusChange(conversationId: string, change: StatusChange, options?: ConditionalWriteOptions): Promise<StatusChangeResult>;
  /**
   * Prune: the conversation is gone (Teams code such as BotNotInConversationRoster as `reason`, `at` = when
   * the send saw it). A re-install stamped later wins; with ifMatch, any change since the caller's read wins.
   */
  markRemoved(conversationId: string, reason: string, at: Date, options?: ConditionalWriteOptions): Promise<StatusChangeResult>;
  /** Remembers (or with undefined, forgets) the serviceUrl to use instead of the stored one. */
  setServiceUrlOverride(conversationId: string, serviceUrl: string | undefined, options?: ConditionalWriteOptions): Promise<StoredConversation | undefined>;
  /** The user's personal conversation in the tenant: the active one if any, else the most recently changed. */
  findPersonal(tenantId: string, userAadObjectId: string): Promise<StoredConversation | undefined>;
  /**
   * A channel's own conversation (not a reply thread) in a team: `channelId`, or General (whose id equals
   * the team id) when absent. With tenantId, a team of another tenant is not found.
   */
  findTeamChannel(teamId: string, channelId?: string, options?: { tenantId?: string }): Promise<StoredConversation | undefined>;
  /** Every stored conversation of a team (channels and threads), in pages. */
  listByTeam(teamId: string): AsyncIterable<ConversationSummary[]>;
  /** A tenant's conversations from the index, in pages (tens of thousands); read each before sending. */
  listByTenant(tenantId: string, options?: ListByTenantOptions): AsyncIterable<ConversationSummary[]>;
  /**
   * One page of listByTenant, resumable from its token by another process later (a fan-out step per queue
   * message). Reads the tenant's index partition only.
   */
  listTenantPage(tenantId: string, options?: TenantPageOptions): Promise<TenantPage>;
  /** The API's listing: full records, one page per call. BAD_REQUEST for userId without tenantId or a bad token. */
  list(filter: ConversationFilter, page?: PageOptions): Promise<ConversationPage>;
  /** Resolves when storage answers; STORAGE_UNAVAILABLE otherwise. */
  checkHealth(options?: { abortSignal?: AbortSignal }): Promise<void>;
}
