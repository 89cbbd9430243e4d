import { errorCodes } from '../../../../shared/errors';
import { parseNotificationUpdate, validateNotificationUpdate } from '../../../../shared/notifications/request/notificationUpdate';
import { validCard } from '../notificationFixtures';

describe('parseNotificationUpdate', () => {
  it('accepts a new message', () => {
    const body = { message: { text: 'Deploy rolled back', card: validCard() } };
    expect(parseNotificationUpdate(JSON.stringify(body))).toEqual({ ok: true, value: body });
  });

  it.each<[string, string, string, RegExp]>([
    ['bad JSON', '{"message":', '', /^Not valid JSON/],
    ['an empty body', '', '', /the body is empty/],
    ['a non-object', '"text"', '', /must be a JSON object: \{"message": \{\.\.\.\}\}/],
    ['no message', '{}', 'message', /Required: the new message/],
    ['other fields', '{"message":{"text":"x"},"targets":[]}', 'targets', /Unknown field "targets"; allowed fields: message/],
    ['a message without content', '{"message":{"summary":"s"}}', 'message', /needs text, a card, or both/],
    ['a bad card', '{"message":{"card":{"type":"AdaptiveCard","version":"9"}}}', 'message.card.version', /Unsupported version "9"/],
    ['too many suggested actions', `{"message":{"text":"x","suggestedActions":${JSON.stringify(Array(4).fill({ type: 'imBack', title: 't', value: 'v' }))}}}`, 'message.suggestedActions', /At most 3/],
  ])('rejects %s (400, detail at %j)', (_name, text, path, message) => {
    const result = parseNotificationUpdate(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(errorCodes.BadRequest);
    expect(result.error.details).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('refuses a message too large for Teams with 413', () => {
    const result = validateNotificationUpdate({ message: { text: 'x'.repeat(50_000) } });
    expect(!result.ok && result.error.code).toBe(errorCodes.PayloadTooLarge);
  });
});
