import { z } from 'zod';

import { type AdaptiveCard, validateAdaptiveCard } from './adaptiveCardValidation';
import { type JsonPathSegments } from './jsonPath';
import { mentionsSchema, type MessageMention, unplacedMentionIssues } from './messageMentions';
import { fromZodIssues, type ValidationIssue } from './validationIssue';

/** Teams' `textFormat` values (Microsoft Learn, Teams: Format your bot messages). */
export const textFormats = ['markdown', 'plain', 'xml'] as const;
export type TextFormat = (typeof textFormats)[number];

/**
 * Teams shows at most three suggested actions: "The bot can parse up to three actions. Even if you include
 * more than three actions, Teams displays only the first three" (Microsoft Learn, Teams: Suggested actions);
 * the Bot Framework SDK's Channel.SupportsSuggestedActions also caps msteams at 3. More would be dropped
 * silently, so more is refused.
 */
export const maxSuggestedActions = 3;

/** `imBack` only: the action that posts its value back as the user's message, supported in every client. */
export interface SuggestedAction {
  type: 'imBack';
  title: string;
  value: string;
}

/** What the notification says: text and/or one Adaptive Card, with an optional preview and quick replies. */
export interface NotificationMessage {
  text?: string;
  textFormat?: TextFormat;
  card?: AdaptiveCard;
  summary?: string;
  suggestedActions?: SuggestedAction[];
  /** Users @mentioned; each one's `<at>` text is in `text` or the card (messageMentions.ts). */
  mentions?: MessageMention[];
}

/** Teams' `conversation.conversationType` of the conversation a copy is posted to. */
export const conversationTypes = ['personal', 'groupChat', 'channel'] as const;
export type ConversationType = (typeof conversationTypes)[number];

const messageFields = ['text', 'textFormat', 'card', 'summary', 'suggestedActions', 'mentions'] as const;
const nonBlank = (what: string) =>
  z.string({ required_error: `Required: ${what} (a string)`, invalid_type_error: `${what} must be a string` }).refine((text) => text.trim() !== '', `${what} is empty; give some text or leave the field out`);

const suggestedActionSchema = z
  .object({
    type: z.literal('imBack', { errorMap: () => ({ message: 'Only "imBack" suggested actions are supported in Teams' }) }),
    title: nonBlank('title'),
    value: nonBlank('value'),
  })
  .strict('allowed fields: type, title, value');

const messageSchema = z
  .object({
    text: nonBlank('text').optional(),
    textFormat: z.enum(textFormats, { errorMap: () => ({ message: `textFormat must be one of ${textFormats.join(', ')}` }) }).optional(),
    // Checked by validateAdaptiveCard, which reports every problem inside the card with its path.
    card: z.unknown().optional(),
    summary: nonBlank('summary').optional(),
    suggestedActions: z
      .array(suggestedActionSchema, { invalid_type_error: 'suggestedActions must be an array' })
      .min(1, 'suggestedActions is empty; leave the field out instead')
      .max(maxSuggestedActions, `At most ${maxSuggestedActions} suggested actions: Teams displays only the first ${maxSuggestedActions}`)
      .optional(),
    mentions: mentionsSchema.optional(),
  })
  .strict(`allowed fields: ${messageFields.join(', ')}`);

export type MessageParseResult = { ok: true; message: NotificationMessage } | { ok: false; issues: ValidationIssue[] };

/** Validates the `message` of a POST or PATCH body at `path`, reporting every problem, not just the first. */
export function parseNotificationMessage(raw: unknown, path: JsonPathSegments): MessageParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, issues: [{ path, message: `message must be an object with text and/or card (fields: ${messageFields.join(', ')})` }] };
  }
  const parsed = messageSchema.safeParse(raw);
  const issues = parsed.success ? [] : fromZodIssues(parsed.error.issues, path);
  const fields = raw as Record<string, unknown>;
  if (fields.card !== undefined) issues.push(...validateAdaptiveCard(fields.card, [...path, 'card']));
  if (fields.text === undefined && fields.card === undefined) {
    issues.push({ path, message: 'A message needs text, a card, or both' });
  }
  if (fields.textFormat !== undefined && fields.text === undefined) {
    issues.push({ path: [...path, 'textFormat'], message: 'textFormat applies to text; give text or leave textFormat out' });
  }
  if (fields.suggestedActions !== undefined && fields.card !== undefined) {
    // "SuggestedActions aren't supported for chat bots with attachments for any conversation type" (Teams docs).
    issues.push({ path: [...path, 'suggestedActions'], message: 'Teams does not show suggested actions on a message with a card; send them with a text-only message' });
  }
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  const { text, textFormat, summary, suggestedActions, mentions } = parsed.data;
  const card = fields.card as AdaptiveCard | undefined;
  if (mentions !== undefined) {
    const unplaced = unplacedMentionIssues({ ...(text === undefined ? {} : { text }), ...(card === undefined ? {} : { card }), mentions }, [...path, 'mentions']);
    if (unplaced.length > 0) return { ok: false, issues: unplaced };
  }
  return {
    ok: true,
    message: {
      ...(text === undefined ? {} : { text }),
      ...(textFormat === undefined ? {} : { textFormat }),
      ...(card === undefined ? {} : { card }),
      ...(summary === undefined ? {} : { summary }),
      ...(suggestedActions === undefined ? {} : { suggestedActions }),
      ...(mentions === undefined ? {} : { mentions }),
    },
  };
}

export type MessageScopeFit = { fits: true } | { fits: false; reason: 'SuggestedActionsNotShown'; message: string };

/**
 * Whether a conversation of this type shows the whole message. Suggested actions are a one-on-one feature
 * (the Bot Framework SDK's Channel.SupportsSuggestedActions: msteams only when conversationType is
 * "personal"); elsewhere the copy is sent without them, and the resolver reports the target as flagged.
 */
export function messageFitsScope(message: NotificationMessage, conversationType: ConversationType): MessageScopeFit {
  if (message.suggestedActions === undefined || conversationType === 'personal') return { fits: true };
  return {
    fits: false,
    reason: 'SuggestedActionsNotShown',
    message: `Suggested actions are shown only in personal chats; this ${conversationType} conversation gets the message without them`,
  };
}
