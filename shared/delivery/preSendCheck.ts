import { gatewayReasons } from '../connector/teamsErrorCodes';
import { type DeliveryMessage } from '../queue/deliveryMessage';
import { type ConversationRecord } from '../store/storedConversation';

/**
 * What the send function checks before spending a request: a conversation already marked removed is not
 * called (it ends `skipped`, with the reason it was removed), and a delivery past its `expiresAt` is not sent.
 */

/** The stored conversation's status fields, named as the store names them (a StoredConversation fits as is). */
export type ConversationStatus = Pick<ConversationRecord, 'status' | 'statusReason' | 'removedReason' | 'removedAt'>;

export type PreSendDecision =
  | { kind: 'send' }
  | {
      /** Record the delivery `skipped`; dead-letter with `reason` if the deadLetter function should record it. */
      kind: 'skip';
      reason: typeof gatewayReasons.ConversationRemoved;
      removalReason: string;
      description: string;
    }
  | { kind: 'deadLetter'; reason: typeof gatewayReasons.Expired; description: string };

/** Removal reason when a delivery names a conversation the store does not hold (deleted, or never captured). */
export const notStoredRemovalReason = 'NotStored';

/**
 * `conversation` is undefined when the store has no entity for the delivery's conversation; a delivery that
 * creates a personal chat (`createFor`) has none yet and is sent. Removal is checked first: it is the cause,
 * expiry only a consequence of waiting.
 */
export function checkBeforeSend(message: DeliveryMessage, conversation: ConversationStatus | undefined, now: Date): PreSendDecision {
  if (conversation === undefined && message.conversationId !== undefined) {
    return skipped(notStoredRemovalReason, 'the conversation has no stored reference');
  }
  if (conversation?.status === 'removed') {
    // Every removal sets removedReason; statusReason is only a fallback, as in target resolution.
    const removalReason = (conversation.removedReason ?? conversation.statusReason)?.trim() || 'unknown';
    const since = conversation.removedAt === undefined ? '' : ` since ${conversation.removedAt}`;
    return skipped(removalReason, `the conversation was removed${since} (${removalReason})`);
  }
  const expiresAt = message.expiresAt === undefined ? Number.NaN : Date.parse(message.expiresAt);
  if (!Number.isNaN(expiresAt) && now.getTime() > expiresAt) {
    return {
      kind: 'deadLetter',
      reason: gatewayReasons.Expired,
      description: `expired at ${new Date(expiresAt).toISOString()} before attempt ${message.attempt} was sent`,
    };
  }
  return { kind: 'send' };
}

function skipped(removalReason: string, why: string): PreSendDecision {
  return {
    kind: 'skip',
    reason: gatewayReasons.ConversationRemoved,
    removalReason,
    description: `${why}; nothing was sent`,
  };
}
