import { type OutboundActivity } from '../../queue/deliveryMessage';
import { adaptiveCardContentType } from './adaptiveCardValidation';
import { cardWithMentions, textMentionEntities } from './messageMentions';
import { type ConversationType, messageFitsScope, type NotificationMessage } from './notificationMessage';

/**
 * The message activity posted to one conversation. Only what the message has is set (no undefined keys, so
 * the queued body and its size are exactly what is sent); `from`, `conversation` and the like are added by
 * the send path from the stored reference. Suggested actions go only to conversations that show them.
 * Mentions become Teams mention entities where their `<at>` text shows: on the activity for the text, in the
 * card's `msteams.entities` for the card.
 */
export function buildOutboundActivity(message: NotificationMessage, conversationType: ConversationType): OutboundActivity {
  const withSuggestedActions = message.suggestedActions !== undefined && messageFitsScope(message, conversationType).fits;
  const mentions = message.mentions ?? [];
  const textEntities = message.text === undefined ? [] : textMentionEntities(message.text, mentions);
  return {
    type: 'message',
    ...(message.text === undefined ? {} : { text: message.text }),
    ...(message.textFormat === undefined ? {} : { textFormat: message.textFormat }),
    ...(message.summary === undefined ? {} : { summary: message.summary }),
    ...(message.card === undefined ? {} : { attachments: [{ contentType: adaptiveCardContentType, content: mentions.length === 0 ? message.card : cardWithMentions(message.card, mentions) }] }),
    ...(withSuggestedActions && message.suggestedActions !== undefined
      ? { suggestedActions: { actions: message.suggestedActions.map(({ type, title, value }) => ({ type, title, value })) } }
      : {}),
    ...(textEntities.length === 0 ? {} : { entities: textEntities }),
  };
}
