import { type OutboundActivity } from '../queue/deliveryMessage';
import { adaptiveCardContentType } from './adaptiveCardValidation';
import { type ConversationType, messageFitsScope, type NotificationMessage } from './notificationMessage';

/**
 * The message activity posted to one conversation. Only what the message has is set (no undefined keys, so
 * the queued body and its size are exactly what is sent); `from`, `conversation` and the like are added by
 * the send path from the stored reference. Suggested actions go only to conversations that show them.
 */
export function buildOutboundActivity(message: NotificationMessage, conversationType: ConversationType): OutboundActivity {
  const withSuggestedActions = message.suggestedActions !== undefined && messageFitsScope(message, conversationType).fits;
  return {
    type: 'message',
    ...(message.text === undefined ? {} : { text: message.text }),
    ...(message.textFormat === undefined ? {} : { textFormat: message.textFormat }),
    ...(message.summary === undefined ? {} : { summary: message.summary }),
    ...(message.card === undefined ? {} : { attachments: [{ contentType: adaptiveCardContentType, content: message.card }] }),
    ...(withSuggestedActions && message.suggestedActions !== undefined
      ? { suggestedActions: { actions: message.suggestedActions.map(({ type, title, value }) => ({ type, title, value })) } }
      : {}),
  };
}
