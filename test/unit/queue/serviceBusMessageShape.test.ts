import { type DeliveryMessage } from '../../../shared/queue/deliveryMessage';
import { maxSessionIdLength, parseDeliveryBody, toServiceBusMessage, toSessionId } from '../../../shared/queue/serviceBusMessageShape';

const now = new Date('2026-03-01T10:00:00.000Z');

function delivery(overrides: Partial<DeliveryMessage> = {}): DeliveryMessage {
  return {
    version: 1,
    notificationId: 'n-1',
    operation: 'send',
    conversationId: 'a:1personal-chat',
    attempt: 1,
    revision: 0,
    activity: { type: 'message', text: 'Deploy finished' },
    ...overrides,
  };
}

describe('toServiceBusMessage: the contract with Service Bus', () => {
  it('pins every field of an immediate delivery with an expiry', () => {
    const body = delivery({ expiresAt: '2026-03-01T11:00:00.000Z' });

    expect(toServiceBusMessage({ body }, now)).toStrictEqual({
      // Pinned literally: a change here breaks duplicate detection across a deployment.
      messageId: 'send-m5WzAjLijMSVJ8YVLSv9syCqyYd8LfZECdj8VgjehCA',
      sessionId: 'a:1personal-chat',
      body,
      contentType: 'application/json',
      subject: 'send',
      applicationProperties: { notificationId: 'n-1', operation: 'send', attempt: 1, conversationId: 'a:1personal-chat' },
      timeToLive: 60 * 60_000,
    });
  });

  it('schedules a future notBefore and counts the TTL from it', () => {
    const notBefore = new Date('2026-03-01T10:30:00.000Z');
    const message = toServiceBusMessage({ body: delivery({ expiresAt: '2026-03-01T11:00:00.000Z' }), notBefore }, now);

    expect(message.scheduledEnqueueTimeUtc).toEqual(notBefore);
    expect(message.timeToLive).toBe(30 * 60_000);
  });

  it('sends a past or present notBefore at once, without a schedule', () => {
    const message = toServiceBusMessage({ body: delivery(), notBefore: new Date(now.getTime() - 1) }, now);

    expect(message).not.toHaveProperty('scheduledEnqueueTimeUtc');
    expect(message).not.toHaveProperty('timeToLive');
  });

  it('gives an already expired delivery the minimum TTL of one second', () => {
    const message = toServiceBusMessage({ body: delivery({ expiresAt: '2026-03-01T09:00:00.000Z' }) }, now);

    expect(message.timeToLive).toBe(1_000);
  });

  it('uses the user key as session for a personal chat created at send time', () => {
    const body = delivery({ conversationId: undefined, createFor: { tenantId: 't-1', userAadObjectId: 'u-1' } });
    delete body.conversationId;
    const message = toServiceBusMessage({ body }, now);

    expect(message.sessionId).toBe('user:t-1:u-1');
    expect(message.applicationProperties).toStrictEqual({ notificationId: 'n-1', operation: 'send', attempt: 1 });
  });

  it('makes a retry (attempt + 1) and an update new messages, a repeat the same one', () => {
    const first = toServiceBusMessage({ body: delivery() }, now).messageId;

    expect(toServiceBusMessage({ body: delivery() }, now).messageId).toBe(first);
    expect(toServiceBusMessage({ body: delivery({ attempt: 2 }) }, now).messageId).not.toBe(first);
    expect(toServiceBusMessage({ body: delivery({ operation: 'update', revision: 1 }) }, now)).toMatchObject({ subject: 'update', sessionId: 'a:1personal-chat' });
  });

  it('refuses a delivery with no conversation and no user to create one for', () => {
    const body = delivery();
    delete body.conversationId;

    expect(() => toServiceBusMessage({ body }, now)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});

describe('toSessionId', () => {
  it('keeps an id of up to 128 characters as it is', () => {
    const id = `19:${'x'.repeat(125)}`;

    expect(toSessionId(id)).toBe(id);
  });

  it('shortens a longer id to 128 characters, deterministically and distinctly, keeping a readable prefix', () => {
    const long = `a:1${'q'.repeat(200)}`;
    const other = `a:1${'q'.repeat(199)}r`;

    const sessionId = toSessionId(long);
    expect(sessionId).toHaveLength(maxSessionIdLength);
    expect(sessionId.startsWith('a:1qqq')).toBe(true);
    expect(toSessionId(long)).toBe(sessionId);
    expect(toSessionId(other)).not.toBe(sessionId);
    expect(toServiceBusMessage({ body: delivery({ conversationId: long }) }, now).sessionId).toBe(sessionId);
  });
});

describe('parseDeliveryBody', () => {
  const body = delivery();

  it('accepts the parsed object the SDK binding hands over', () => {
    expect(parseDeliveryBody({ body })).toStrictEqual({ ok: true, delivery: body });
  });

  it('accepts JSON text and bytes (a message whose content type was lost)', () => {
    expect(parseDeliveryBody({ body: JSON.stringify(body) })).toStrictEqual({ ok: true, delivery: body });
    expect(parseDeliveryBody({ body: Buffer.from(JSON.stringify(body)) })).toStrictEqual({ ok: true, delivery: body });
  });

  it('reports text that is not JSON, without throwing', () => {
    const parsed = parseDeliveryBody({ body: '{ not json' });

    expect(parsed.ok).toBe(false);
    expect(parsed).toMatchObject({ error: { message: 'Message body is not JSON' } });
  });

  it('reports every wrong field with its path', () => {
    const parsed = parseDeliveryBody({
      body: { ...body, attempt: 0, activity: { type: 'message', attachments: [{ content: {} }] } },
    });

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.details.map((d) => d.path).sort()).toStrictEqual(['activity.attachments[0].contentType', 'attempt']);
  });

  it.each([null, 42, [], undefined])('reports a body of %p as not a delivery', (value) => {
    expect(parseDeliveryBody({ body: value })).toMatchObject({ ok: false, error: { message: 'Message body is not a delivery' } });
  });
});
