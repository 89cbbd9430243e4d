import { type ConversationFacts } from '../activity/conversationFacts';
import { type ConversationStatus } from '../activity/conversationLifecycle';
import { type ConversationReference } from '../activity/conversationReference';

/**
 * One stored conversation: the reference exactly as received, what it is indexed by, and its lifecycle.
 * Times are ISO 8601 UTC strings.
 */
export interface ConversationRecord extends ConversationFacts {
  reference: ConversationReference;
  /** Event time of the activity the reference was copied from; an older activity never replaces it. */
  referenceAt: string;
  status: ConversationStatus;
  /** Why the status is what it is: a lifecycle reason (installationAdded, ...) or a Teams error code. */
  statusReason?: string;
  /** Event time of the newest status decision; a decision stamped earlier that arrives later is ignored. */
  statusChangedAt: string;
  /** While removed: why (lifecycle reason or Teams code such as ConversationBlockedByUser) and since when. */
  removedReason?: string;
  removedAt?: string;
  /** Where to send instead of reference.serviceUrl (the GCC host after 403 InvalidBotApiHost). */
  serviceUrlOverride?: string;
  createdAt: string;
  updatedAt: string;
  /** +1 on every write (writes are serialised by ETag), so index rows can tell newer from older. */
  revision: number;
  /** When a write of this record last rewrote its index rows (conversationIndexRows.ts, withIndexPlan). */
  indexedAt?: string;
}

/** A record as read: with the ETag that conditional writes (ifMatch) compare against. */
export type StoredConversation = ConversationRecord & { etag: string };

/** The serviceUrl a send must use: the remembered override, else the one Teams gave. */
export function effectiveServiceUrl(conversation: Pick<ConversationRecord, 'reference' | 'serviceUrlOverride'>): string {
  return conversation.serviceUrlOverride ?? conversation.reference.serviceUrl;
}
