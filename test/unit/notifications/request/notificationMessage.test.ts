import { formatJsonPath } from '../../../../shared/notifications/request/jsonPath';
import { type ConversationType, maxSuggestedActions, messageFitsScope, type NotificationMessage, parseNotificationMessage } from '../../../../shared/notifications/request/notificationMessage';
import { validCard } from '../notificationFixtures';

const imBack = (n: number) => ({ type: 'imBack', title: `Option ${n}`, value: `option ${n}` });

function problems(raw: unknown): { path: string; message: string }[] {
  const result = parseNotificationMessage(raw, ['message']);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.message)}`);
  return result.issues.map((issue) => ({ path: formatJsonPath(issue.path), message: issue.message }));
}

describe('parseNotificationMessage', () => {
  it.each<[string, Record<string, unknown>]>([
    ['text only', { text: 'hi' }],
    ['text with each format', { text: '<b>hi</b>', textFormat: 'xml' }],
    ['a card only', { card: validCard() }],
    ['text, card and summary', { text: 'hi', card: validCard(), summary: 'preview' }],
    ['text with suggested actions', { text: 'Pick one', suggestedActions: [imBack(1), imBack(2), imBack(3)] }],
  ])('accepts %s unchanged', (_name, raw) => {
    expect(parseNotificationMessage(raw, ['message'])).toEqual({ ok: true, message: raw });
  });

  it.each<[string, unknown, string, RegExp]>([
    ['an array', [], 'message', /message must be an object with text and\/or card/],
    ['neither text nor card', { summary: 's' }, 'message', /needs text, a card, or both/],
    ['an empty object', {}, 'message', /needs text, a card, or both/],
    ['blank text', { text: '  ' }, 'message.text', /text is empty/],
    ['numeric text', { text: 5 }, 'message.text', /text must be a string/],
    ['an unknown textFormat', { text: 'x', textFormat: 'html' }, 'message.textFormat', /textFormat must be one of markdown, plain, xml/],
    ['textFormat without text', { card: validCard(), textFormat: 'plain' }, 'message.textFormat', /textFormat applies to text/],
    ['an empty summary', { text: 'x', summary: '' }, 'message.summary', /summary is empty/],
    ['an unknown field', { text: 'x', attachments: [] }, 'message.attachments', /Unknown field "attachments"; allowed fields: text, textFormat, card, summary, suggestedActions/],
    ['a bad card', { card: { type: 'AdaptiveCard' } }, 'message.card.version', /Required/],
    ['suggestedActions not an array', { text: 'x', suggestedActions: imBack(1) }, 'message.suggestedActions', /suggestedActions must be an array/],
    ['no suggested actions', { text: 'x', suggestedActions: [] }, 'message.suggestedActions', /suggestedActions is empty/],
    [`${maxSuggestedActions + 1} suggested actions`, { text: 'x', suggestedActions: [1, 2, 3, 4].map(imBack) }, 'message.suggestedActions', /At most 3 suggested actions: Teams displays only the first 3/],
    ['a messageBack action', { text: 'x', suggestedActions: [{ ...imBack(1), type: 'messageBack' }] }, 'message.suggestedActions[0].type', /Only "imBack"/],
    ['an action without value', { text: 'x', suggestedActions: [{ type: 'imBack', title: 't' }] }, 'message.suggestedActions[0].value', /^Required: value \(a string\)$/],
    ['an action with a non-string value', { text: 'x', suggestedActions: [{ ...imBack(1), value: { a: 1 } }] }, 'message.suggestedActions[0].value', /value must be a string/],
    ['an action with an extra field', { text: 'x', suggestedActions: [{ ...imBack(1), image: 'https://x' }] }, 'message.suggestedActions[0].image', /Unknown field "image"; allowed fields: type, title, value/],
    ['suggested actions with a card', { text: 'x', card: validCard(), suggestedActions: [imBack(1)] }, 'message.suggestedActions', /does not show suggested actions on a message with a card/],
  ])('rejects %s at %s', (_name, raw, path, message) => {
    expect(problems(raw)).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});

describe('messageFitsScope', () => {
  const withActions: NotificationMessage = { text: 'Pick', suggestedActions: [{ type: 'imBack', title: 'A', value: 'a' }] };

  it.each<[NotificationMessage, ConversationType, boolean]>([
    [withActions, 'personal', true],
    [withActions, 'groupChat', false],
    [withActions, 'channel', false],
    [{ text: 'plain' }, 'channel', true],
    [{ text: 'plain' }, 'groupChat', true],
  ])('%j in a %s conversation fits: %s', (message, type, fits) => {
    expect(messageFitsScope(message, type).fits).toBe(fits);
  });

  it('says why and what happens instead', () => {
    expect(messageFitsScope(withActions, 'channel')).toEqual({
      fits: false,
      reason: 'SuggestedActionsNotShown',
      message: 'Suggested actions are shown only in personal chats; this channel conversation gets the message without them',
    });
  });
});
