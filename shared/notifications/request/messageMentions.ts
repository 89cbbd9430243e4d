import { z } from 'zod';

import { type AdaptiveCard } from './adaptiveCardValidation';
import { type JsonPathSegments } from './jsonPath';
import { guidPattern } from './notificationTarget';
import { type ValidationIssue } from './validationIssue';

/**
 * @mentions of users in a notification. Teams needs two things for each (Microsoft Learn, Teams: Channel and
 * group chat conversations with a bot › Add mentions to your messages): the `<at>Name</at>` text in the
 * message, and a `mention` entity with that same text and the user it names: in `entities` of a text
 * message, in the card's `msteams.entities` for an Adaptive Card (Teams: Format cards › Mention support
 * within Adaptive Cards). `mentioned.id` is the user's Entra object id, which Teams accepts for bots in text
 * messages and cards (Teams: Support for Microsoft Entra object ID and UPN in user mention), so a producer
 * needs no Teams `29:` id and the gateway no roster lookup.
 */
export interface MessageMention {
  /** Entra object id (lower case, as Teams writes it). */
  userId: string;
  /** Display name: `mentioned.name`, and the `<at>` text unless `text` says otherwise. */
  name: string;
  /** What stands between `<at>` and `</at>` in the message, when it is not `name`. */
  text?: string;
}

/** A mention entity as Teams reads it. */
export interface MentionEntity {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

/** Enough for a team's on-call list; more names in one message are a broadcast, not a mention. */
export const maxMentions = 20;

// `<` and `>` would end the `<at>` tag early (Teams parses it as markup), and a blank name shows nothing.
const atLabel = (what: string) =>
  z
    .string({ required_error: `Required: ${what} (a string)`, invalid_type_error: `${what} must be a string` })
    .min(1, `${what} is empty`)
    .max(256, `${what} is longer than 256 characters`)
    .refine((text) => text.trim() !== '' && !/[<>]/.test(text), `${what} must not be blank or contain < or >`);

export const mentionsSchema = z
  .array(
    z
      .object({
        userId: z
          .string({ required_error: 'Required: userId (the user’s Entra object id)', invalid_type_error: 'userId must be a string (a GUID)' })
          .regex(guidPattern, 'userId must be the user’s Entra object id, a GUID such as 6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d')
          .transform((id) => id.toLowerCase()),
        name: atLabel('name'),
        text: atLabel('text').optional(),
      })
      .strict('allowed fields: userId, name, text'),
    { invalid_type_error: 'mentions must be an array' },
  )
  .min(1, 'mentions is empty; leave the field out instead')
  .max(maxMentions, `At most ${maxMentions} mentions per message`);

export function atText(mention: MessageMention): string {
  return `<at>${mention.text ?? mention.name}</at>`;
}

/** Each mention must show somewhere: Teams renders an entity whose `<at>` text is not in the message as nothing. */
export function unplacedMentionIssues(message: { text?: string; card?: AdaptiveCard; mentions: readonly MessageMention[] }, path: JsonPathSegments): ValidationIssue[] {
  const cardJson = message.card === undefined ? '' : JSON.stringify(message.card);
  return message.mentions.flatMap((mention, index): ValidationIssue[] => {
    const tag = atText(mention);
    if (message.text?.includes(tag) === true || shownInCard(cardJson, mention)) return [];
    const field = mention.text === undefined ? 'name' : 'text';
    return [{ path: [...path, index, field], message: `${tag} appears neither in message.text nor in message.card; put it where the mention is to show` }];
  });
}

/** Whether some string of the card (as JSON) holds the mention's `<at>` text. */
function shownInCard(cardJson: string, mention: MessageMention): boolean {
  return cardJson.includes(JSON.stringify(atText(mention)).slice(1, -1));
}

function entityOf(mention: MessageMention): MentionEntity {
  return { type: 'mention', text: atText(mention), mentioned: { id: mention.userId, name: mention.name } };
}

/** The entities of a text message: the mentions its text shows. */
export function textMentionEntities(text: string, mentions: readonly MessageMention[]): MentionEntity[] {
  return mentions.filter((mention) => text.includes(atText(mention))).map(entityOf);
}

/** The card with the mentions it shows added to `msteams.entities` (after any the card carries itself). */
export function cardWithMentions(card: AdaptiveCard, mentions: readonly MessageMention[]): AdaptiveCard {
  const cardJson = JSON.stringify(card);
  const entities = mentions.filter((mention) => shownInCard(cardJson, mention)).map(entityOf);
  if (entities.length === 0) return card;
  const msteams = typeof card.msteams === 'object' && card.msteams !== null ? (card.msteams as Record<string, unknown>) : {};
  const existing = Array.isArray(msteams.entities) ? (msteams.entities as unknown[]) : [];
  return { ...card, msteams: { ...msteams, entities: [...existing, ...entities] } };
}
