import { errorCodes, type GatewayError } from '../../../../shared/errors';
import { maxTargetsPerRequest, parseNotificationRequest, validateNotificationRequest } from '../../../../shared/notifications/request/notificationRequest';
import { type BodyFixture, now, tenantId, userId, validBody } from '../notificationFixtures';

function errorOf(body: unknown): GatewayError {
  const result = validateNotificationRequest(body, now);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function withChange(change: (body: BodyFixture) => void): BodyFixture {
  const body = validBody();
  change(body);
  return body;
}

describe('parseNotificationRequest', () => {
  it('accepts a full valid body and types every target by its form', () => {
    const result = parseNotificationRequest(JSON.stringify(validBody()), now);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.id).toBe('deploy-2025-06-01.1');
    expect(result.value.targets).toEqual([
      { kind: 'conversation', conversationId: 'a:1xyz' },
      { kind: 'user', userId, tenantId },
      { kind: 'team', teamId: '19:abc@thread.tacv2', channelId: '19:def@thread.tacv2' },
      { kind: 'tenant', tenantId, scope: 'personal' },
    ]);
    expect(result.value.message.card?.version).toBe('1.5');
    // Times are normalised to UTC.
    expect(result.value.sendAt).toBe('2025-06-01T00:00:00.000Z');
    expect(result.value.expiresAt).toBe('2025-06-02T00:00:00.000Z');
  });

  it('accepts the minimal body: one target and text', () => {
    const result = validateNotificationRequest({ targets: [{ conversationId: 'c' }], message: { text: 'hi' } }, now);
    expect(result).toEqual({ ok: true, value: { targets: [{ kind: 'conversation', conversationId: 'c' }], message: { text: 'hi' } } });
  });

  it('lower-cases Entra GUIDs so they match what Teams stores', () => {
    const result = validateNotificationRequest({ targets: [{ userId: userId.toUpperCase(), tenantId: tenantId.toUpperCase() }], message: { text: 'hi' } }, now);
    expect(result.ok && result.value.targets[0]).toEqual({ kind: 'user', userId, tenantId });
  });

  it('omits an absent channelId rather than setting it undefined', () => {
    const result = validateNotificationRequest({ targets: [{ teamId: '19:t' }], message: { text: 'hi' } }, now);
    expect(result.ok && Object.keys(result.value.targets[0]!)).toEqual(['kind', 'teamId']);
  });

  it.each([
    ['', 'The notification request body is empty', ''],
    ['   ', 'The notification request body is empty', ''],
    ['{"targets": [', 'not valid JSON', ''],
    ['not json', 'not valid JSON', ''],
  ])('rejects body text %j with its own message', (text, summary, path) => {
    const result = parseNotificationRequest(text, now);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(errorCodes.BadRequest);
    expect(result.error.message).toContain(summary);
    expect(result.error.details).toHaveLength(1);
    expect(result.error.details[0]!.path).toBe(path);
  });

  it('says where JSON parsing broke', () => {
    const result = parseNotificationRequest('{"targets": }', now);
    expect(!result.ok && result.error.details[0]!.message).toMatch(/^Not valid JSON: Unexpected token '}'/);
  });

  it('rejects nesting deeper than the cap at the place it gets too deep', () => {
    const deep = `{"message": {"text": "x", "card": ${'['.repeat(70)}${']'.repeat(70)}}, "targets": [{"conversationId": "c"}]}`;
    const result = parseNotificationRequest(deep, now);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toContain('nested too deeply');
    expect(result.error.details[0]!.path).toMatch(/^message\.card(\[0\])+$/);
  });

  it('checks a wide and deep body (60 nested arrays around 240,000 numbers, issue #11) in one pass, reporting only the place too deep', () => {
    const zeros = new Array<string>(240_000).fill('0').join(',');
    const wide = `{"targets": [{"conversationId": "c"}], "message": {"text": "x"}, "x": ${'['.repeat(60)}${zeros}${']'.repeat(60)}}`;
    const accepted = parseNotificationRequest(wide, now);
    expect(!accepted.ok && accepted.error.details.map((d) => d.path)).toEqual(['x']);
    const deeper = wide.replace('"x": [', `"x": ${'['.repeat(10)}[`).replace(/]}$/, `${']'.repeat(10)}]}`);
    const refused = parseNotificationRequest(deeper, now);
    expect(!refused.ok && refused.error.message).toContain('nested too deeply');
    expect(!refused.ok && refused.error.details[0]!.path).toBe(`x${'[0]'.repeat(63)}`);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['a non-object body', [1, 2], '', /must be a JSON object/],
    ['null', null, '', /must be a JSON object/],
    ['an unknown top-level field', withChange((b) => (b.priority = 'high')), 'priority', /Unknown field "priority"; allowed fields: id, targets, message, sendAt, expiresAt/],
    ['missing targets', withChange((b) => Reflect.deleteProperty(b, 'targets')), 'targets', /Required: at least one target/],
    ['empty targets', withChange((b) => (b.targets = [])), 'targets', /targets is empty/],
    ['targets not an array', withChange((b) => Object.assign(b, { targets: { conversationId: 'c' } })), 'targets', /targets must be an array/],
    ['too many targets', withChange((b) => (b.targets = Array.from({ length: maxTargetsPerRequest + 1 }, (_, i) => ({ conversationId: `c${i}` })))), 'targets', /At most 1000 targets/],
    ['missing message', withChange((b) => Reflect.deleteProperty(b, 'message')), 'message', /Required: the message/],
    ['a message that is a string', withChange((b) => Object.assign(b, { message: 'hello' })), 'message', /message must be an object/],
    ['an id with a slash', withChange((b) => (b.id = 'a/b')), 'id', /id must be 1–128 characters/],
    ['an id of dots', withChange((b) => (b.id = '..')), 'id', /starting with a letter or digit/],
    ['an id too long', withChange((b) => (b.id = 'a'.repeat(129))), 'id', /1–128/],
    ['an empty id', withChange((b) => (b.id = '')), 'id', /1–128/],
    ['a numeric id', withChange((b) => (b.id = 42)), 'id', /id must be a string/],
    ['a bad target deep in the list', withChange((b) => (b.targets[2] = { teamId: 7 })), 'targets[2].teamId', /teamId must be a string/],
    ['a user target with a UPN', withChange((b) => (b.targets[1]!.userId = 'megan@contoso.com')), 'targets[1].userId', /must be a GUID/],
    ['a tenant target with a bad scope', withChange((b) => (b.targets[3]!.scope = 'everyone')), 'targets[3].scope', /scope must be one of personal, groupChat, team, all/],
    ['a bad card element', withChange((b) => (b.message.card.body[0]!.type = 'Carousel')), 'message.card.body[0].type', /"Carousel" is not an Adaptive Card 1.5 element type/],
    ['sendAt without an offset', withChange((b) => (b.sendAt = '2025-06-01T10:00:00')), 'sendAt', /with a UTC offset/],
    ['sendAt as a number', withChange((b) => (b.sendAt = 1748736000000)), 'sendAt', /must be an ISO 8601 time string/],
    ['sendAt on 30 February', withChange((b) => (b.sendAt = '2026-02-30T10:00:00Z')), 'sendAt', /ISO 8601/],
    ['sendAt too far ahead', withChange((b) => (b.sendAt = '2025-06-08T00:00:01Z')), 'sendAt', /more than 7 days ahead/],
    ['expiresAt in the past', withChange((b) => (delete b.sendAt, (b.expiresAt = '2025-05-31T23:59:59Z'))), 'expiresAt', /not in the future/],
    ['expiresAt before sendAt', withChange((b) => ((b.sendAt = '2025-06-03T00:00:00Z'), (b.expiresAt = '2025-06-02T00:00:00Z'))), 'expiresAt', /after sendAt/],
    ['expiresAt equal to sendAt', withChange((b) => ((b.sendAt = '2025-06-02T00:00:00Z'), (b.expiresAt = '2025-06-02T02:00:00+02:00'))), 'expiresAt', /after sendAt/],
  ])('rejects %s with a detail at %j', (_name, body, path, message) => {
    const error = errorOf(body);
    expect(error.code).toBe(errorCodes.BadRequest);
    expect(error.message).toMatch(/^The notification request is invalid \(\d+ problems?; see details\)$/);
    expect(error.details).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('accepts a sendAt in the past (sent at once) and exactly 7 days ahead', () => {
    expect(validateNotificationRequest(withChange((b) => (b.sendAt = '2020-01-01T00:00:00Z')), now).ok).toBe(true);
    expect(validateNotificationRequest(withChange((b) => ((b.sendAt = '2025-06-08T00:00:00Z'), (b.expiresAt = '2025-06-09T00:00:00Z'))), now).ok).toBe(true);
  });

  it('reports every problem at once, each with its own path', () => {
    const error = errorOf({
      id: 'ok-id',
      targets: [{ conversationId: 'c' }, { tenantId }, { userId, tenantId: 'nope' }],
      message: { textFormat: 'html', card: { type: 'AdaptiveCard', version: '1.6', body: [] } },
      expiresAt: 'tomorrow',
      extra: 1,
    });
    expect(error.details.map((detail) => detail.path)).toEqual(
      expect.arrayContaining(['extra', 'targets[1]', 'targets[2].tenantId', 'message.textFormat', 'message.card.version', 'message.card.body', 'expiresAt']),
    );
    expect(error.message).toContain(`${error.details.length} problems`);
  });

  it('lists at most 100 problems and says how many more there are', () => {
    const error = errorOf({ targets: Array.from({ length: 150 }, () => ({ foo: 1 })), message: { text: 'x' } });
    expect(error.details).toHaveLength(101);
    expect(error.details[100]).toEqual({ path: '', message: expect.stringMatching(/^200 more problems not listed/) });
  });

  it('answers 413 with the size and the limit when the message is too large for Teams', () => {
    const result = validateNotificationRequest(withChange((b) => (b.message.text = 'x'.repeat(40_000))), now);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(errorCodes.PayloadTooLarge);
    expect(result.error.message).toMatch(/The message is [\d,]+ bytes .* the limit is 80,000 bytes/);
    expect(result.error.details).toEqual([{ path: 'message', message: result.error.message }]);
  });
});
