import { fanOutMessage } from '../../../shared/notifications/intake/tenantFanOut';
import { deliveryKey, deliveryMessageId } from '../../../shared/queue/deliveryMessage';
import { parseDeliveryBody, toServiceBusMessage } from '../../../shared/queue/serviceBusMessageShape';

const now = new Date('2026-03-01T10:00:00.000Z');
const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('the fanOut message: the contract between the POST, the fan-out steps and Service Bus', () => {
  it('pins every field of a first step', () => {
    const message = toServiceBusMessage(fanOutMessage('01JNOTIFICATION', { targetIndex: 1, tenantId, scope: 'all', page: 0 }), now);

    expect(message).toStrictEqual({
      // Pinned literally: a change here breaks duplicate detection of in-flight broadcasts across a deployment.
      messageId: 'fanOut-fpx6O-10yg3u7j3adMoC7rJeugRMXrfEv0zBqd4Adns',
      // One session per notification: its fan-out steps run one after another, never two at once.
      sessionId: 'fanout:01JNOTIFICATION',
      body: { version: 1, notificationId: '01JNOTIFICATION', operation: 'fanOut', attempt: 1, revision: 0, fanOut: { targetIndex: 1, tenantId, scope: 'all', page: 0 } },
      contentType: 'application/json',
      subject: 'fanOut',
      applicationProperties: { notificationId: '01JNOTIFICATION', operation: 'fanOut', attempt: 1 },
    });
  });

  it('gives each page and each tenant target its own id, and the same page always the same id', () => {
    const step = { targetIndex: 0, tenantId, scope: 'personal' as const, page: 3, continuationToken: 'token-a' };
    const id = (overrides: Partial<typeof step>) => deliveryMessageId(fanOutMessage('n-1', { ...step, ...overrides }).body);

    expect(id({})).toBe(id({}));
    // A repeated step may read a different token for the same next page; it is still that page's message.
    expect(id({ continuationToken: 'token-b' })).toBe(id({}));
    expect(id({ page: 4 })).not.toBe(id({}));
    expect(id({ targetIndex: 1 })).not.toBe(id({}));
    expect(new Set([id({}), deliveryMessageId({ ...fanOutMessage('n-1', step).body, operation: 'send', conversationId: 'fanout:n-1' })]).size).toBe(2);
  });

  it('survives the trip through the queue as a valid delivery body', () => {
    const sent = toServiceBusMessage(fanOutMessage('n-2', { targetIndex: 2, tenantId, scope: 'team', page: 1, continuationToken: 'eyJuZXh0In0' }), now);

    const parsed = parseDeliveryBody({ body: JSON.parse(JSON.stringify(sent.body)) as unknown });

    expect(parsed).toEqual({ ok: true, delivery: sent.body });
    expect(deliveryKey(sent.body as Parameters<typeof deliveryKey>[0])).toBe('fanout:n-2');
  });

  it('keeps a long notification id within the session id limit, deterministically', () => {
    const longId = `n${'x'.repeat(127)}`;
    const first = toServiceBusMessage(fanOutMessage(longId, { targetIndex: 0, tenantId, scope: 'all', page: 0 }), now);
    const second = toServiceBusMessage(fanOutMessage(longId, { targetIndex: 0, tenantId, scope: 'all', page: 5 }), now);

    expect(first.sessionId?.length).toBeLessThanOrEqual(128);
    expect(second.sessionId).toBe(first.sessionId);
  });
});
