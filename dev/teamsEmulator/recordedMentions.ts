import { type ConversationType } from './teamsState';

/**
 * Why Teams would show a mention entity as plain text (or not at all), in the order it is checked:
 * - `personalChat`: Teams ignores mentions in a personal chat (there is nobody else to notify);
 * - `textNotShown`: the entity's `<at>` text is not in the message text (or, for a card, in the card's text);
 * - `invalidText`: the entity's text is not of the form `<at>Name</at>`;
 * - `unknownUser`: `mentioned.id` is neither a known user of the tenant (Entra object id or `29:` id) nor a UPN.
 */
export type UnrenderedMentionReason = 'personalChat' | 'textNotShown' | 'invalidText' | 'unknownUser';

/** One mention entity of a posted message, and whether Teams would render it as a mention. */
export interface RecordedMention {
  /** `text` for the activity's `entities`, `card` for an Adaptive Card's `msteams.entities`. */
  in: 'text' | 'card';
  /** The attachment the card is, for `in: 'card'`. */
  attachment?: number;
  /** The entity's text as sent (`<at>Name</at>`). */
  text: string;
  mentioned: { id?: string; name?: string };
  rendered: boolean;
  reason?: UnrenderedMentionReason;
  /** One sentence saying why, for people (the console's hint). */
  hint?: string;
}

/** What decides how a conversation shows mentions. */
export interface MentionAudience {
  conversationType: ConversationType;
  /** Whether `id` (an Entra object id or a `29:` id, as Teams' entity has it) is a user of the conversation's tenant. */
  isKnownUser: (id: string) => boolean;
}

const adaptiveCardContentType = 'application/vnd.microsoft.card.adaptive';
const atTextPattern = /^<at>[^<>]+<\/at>$/;
/** A user principal name as Teams accepts it in `mentioned.id`: `name@domain.tld`. */
const upnPattern = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

const hints: Readonly<Record<UnrenderedMentionReason, string>> = {
  personalChat: 'Teams ignores mentions in a personal chat: shown as plain text',
  textNotShown: 'The <at> text of this mention entity is not in the message, so Teams shows no mention',
  invalidText: 'The mention entity’s text is not of the form <at>Name</at>, so Teams shows no mention',
  unknownUser: 'mentioned.id is not a user of this tenant (Entra object id or 29: id) nor a UPN: shown as plain text',
};

/**
 * The mention entities of a posted activity (its `entities` for the text, each Adaptive Card's
 * `msteams.entities`), each with whether Teams would render it (Microsoft Learn, Teams: Channel and group chat
 * conversations with a bot › Add mentions to your messages; Format cards › Mention support within Adaptive
 * Cards; Support for Microsoft Entra object ID and UPN in user mention). Recorded, never refused: Teams accepts
 * the message either way and shows an unrendered mention as its text.
 */
export function recordedMentions(activity: Record<string, unknown>, audience: MentionAudience): RecordedMention[] {
  const text = typeof activity.text === 'string' ? activity.text : '';
  const inText = mentionEntities(activity.entities).map((entity) => recorded(entity, { in: 'text' }, [text], audience));
  const attachments = Array.isArray(activity.attachments) ? (activity.attachments as unknown[]) : [];
  const inCards = attachments.flatMap((attachment, index) => {
    const record = asRecord(attachment);
    const card = record?.contentType === adaptiveCardContentType ? asRecord(record.content) : undefined;
    if (card === undefined) return [];
    const { msteams, ...shown } = card;
    const entities = mentionEntities(asRecord(msteams)?.entities);
    // Most cards mention nobody: their strings are gathered only when there is an entity to check.
    const strings = entities.length === 0 ? [] : stringsOf(shown);
    return entities.map((entity) => recorded(entity, { in: 'card', attachment: index }, strings, audience));
  });
  return [...inText, ...inCards];
}

function mentionEntities(entities: unknown): Record<string, unknown>[] {
  if (!Array.isArray(entities)) return [];
  return entities.map(asRecord).filter((entity): entity is Record<string, unknown> => entity?.type === 'mention');
}

function recorded(entity: Record<string, unknown>, place: Pick<RecordedMention, 'in' | 'attachment'>, shownTexts: readonly string[], audience: MentionAudience): RecordedMention {
  const text = typeof entity.text === 'string' ? entity.text : '';
  const mentioned = asRecord(entity.mentioned);
  const id = typeof mentioned?.id === 'string' ? mentioned.id : undefined;
  const name = typeof mentioned?.name === 'string' ? mentioned.name : undefined;
  const reason = unrenderedReason(text, id, shownTexts, audience);
  return {
    ...place,
    text,
    mentioned: { ...(id === undefined ? {} : { id }), ...(name === undefined ? {} : { name }) },
    rendered: reason === undefined,
    ...(reason === undefined ? {} : { reason, hint: hints[reason] }),
  };
}

function unrenderedReason(text: string, id: string | undefined, shownTexts: readonly string[], audience: MentionAudience): UnrenderedMentionReason | undefined {
  if (audience.conversationType === 'personal') return 'personalChat';
  if (!atTextPattern.test(text)) return 'invalidText';
  if (!shownTexts.some((shown) => shown.includes(text))) return 'textNotShown';
  if (id === undefined || !(audience.isKnownUser(id) || upnPattern.test(id))) return 'unknownUser';
  return undefined;
}

/** Every string a card shows or carries (its text, facts, titles...), in any depth. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  const record = asRecord(value);
  return record === undefined ? [] : Object.values(record).flatMap(stringsOf);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
