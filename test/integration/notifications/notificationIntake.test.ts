import { HttpRequest, InvocationContext } from '@azure/functions';
import fc from 'fast-check';

import { notificationByIdHandler, postNotificationHandler } from '../../../functions/notifications';
import { errorCodes, GatewayError } from '../../../shared/errors';
import { acceptNotification, type IntakeServices } from '../../../shared/notifications/intake/notificationIntake';
import { type NotificationStore } from '../../../shared/notifications/store/notificationStore';
import { type DeliveryQueue, type QueuedDelivery } from '../../../shared/queue/deliveryQueue';
import { schemaProblems } from '../../unit/notifications/openApiSchemaCheck';
import { newTenantId, NotificationRig, seedConversation, uniqueId, useGatewayEnvironment } from './notificationRig';

/**
 * Idempotency, conflicts, refusals, scheduling and expiry of POST /api/notifications, with the queue's
 * contents as the evidence: nothing queued twice, nothing accepted lost.
 */
useGatewayEnvironment();

let rig: NotificationRig;
beforeEach(() => {
  rig = new NotificationRig();
});
afterEach(async () => rig.close());

const minute = 60_000;

async function twoConversations(): Promise<string[]> {
  const services = await rig.services();
  const tenantId = newTenantId();
  const a = await seedConversation(services, { tenantId, scope: 'groupChat' });
  const b = await seedConversation(services, { tenantId, scope: 'personal' });
  return [a.conversationId, b.conversationId];
}

describe('idempotency', () => {
  it('answers a repeat with the same 202 and queues nothing twice', async () => {
    const conversations = await twoConversations();
    const body = { id: uniqueId('repeat'), targets: conversations.map((conversationId) => ({ conversationId })), message: { text: 'Incident resolved' } };

    const first = await rig.post(body);
    // Key order does not make it another request.
    const second = await rig.post(JSON.stringify({ message: body.message, targets: body.targets, id: body.id }));

    expect(first.status).toBe(202);
    expect(second).toEqual(first);
    const seen = await rig.drainQueue();
    expect(seen.map((m) => m.body.conversationId).sort()).toEqual([...conversations].sort());
    expect(rig.bus.getCounts().totals.duplicatesDropped).toBe(0);
  });

  it('refuses the same id with a different body: 409 with a JSON error', async () => {
    const [conversationId] = await twoConversations();
    const id = uniqueId('conflict');
    await rig.post({ id, targets: [{ conversationId }], message: { text: 'first' } });

    const response = await rig.post({ id, targets: [{ conversationId }], message: { text: 'second' } });

    expect(response.status).toBe(409);
    expect(response.body).toEqual({ error: { code: 'CONFLICT', message: expect.stringContaining(id), details: [{ path: 'id', message: expect.any(String) }] } });
    expect((await rig.drainQueue()).map((m) => m.body.activity?.text)).toEqual(['first']);
  });

  it('replays the 202 after expiresAt has passed (times are checked against the first request)', async () => {
    const [conversationId] = await twoConversations();
    const body = { id: uniqueId('late-repeat'), targets: [{ conversationId }], message: { text: 'soon stale' }, expiresAt: new Date(rig.clock.now() + 10 * minute).toISOString() };
    const first = await rig.post(body);

    await rig.clock.advanceBy(30 * minute);
    const repeat = await rig.post(body);
    const fresh = await rig.post({ ...body, id: uniqueId('late-new') });

    expect(first.status).toBe(202);
    expect(repeat).toEqual(first);
    expect(fresh.status).toBe(400);
  });

  it.each<[string, { failQueueCall?: number; failSaveResponse?: boolean }]>([
    ['the first enqueue (sends) fails', { failQueueCall: 1 }],
    ['the second enqueue (fan-out) fails', { failQueueCall: 2 }],
    ['storing the 202 fails', { failSaveResponse: true }],
  ])('finishes a crashed intake on the repeat without duplicates: %s', async (_case, fault) => {
    const services = await rig.services();
    const tenantId = newTenantId();
    const direct = await seedConversation(services, { tenantId, scope: 'groupChat' });
    const broadcast = await seedConversation(services, { tenantId, scope: 'personal' });
    const body = JSON.stringify({ id: uniqueId('crash'), targets: [{ conversationId: direct.conversationId }, { tenantId, scope: 'personal' }], message: { text: 'x' } });
    let queueCalls = 0;
    const flakyQueue: DeliveryQueue = {
      enqueue: async (deliveries: readonly QueuedDelivery[]) => {
        queueCalls++;
        if (queueCalls === fault.failQueueCall) throw new GatewayError(errorCodes.QueueUnavailable, 'Service Bus is down');
        return services.deliveryQueue.enqueue(deliveries);
      },
    };
    let failSave = fault.failSaveResponse === true;
    const flakyStore: NotificationStore = Object.create(services.notificationStore) as NotificationStore;
    flakyStore.saveIntakeResponse = async (record, json) => {
      if (failSave) {
        failSave = false;
        throw new GatewayError(errorCodes.StorageUnavailable, 'Table storage is down');
      }
      return services.notificationStore.saveIntakeResponse(record, json);
    };
    const intake: IntakeServices = { conversations: services.conversationStore, notifications: flakyStore, queue: flakyQueue, now: services.now };

    await expect(acceptNotification(body, intake)).rejects.toThrow(GatewayError);
    const id = (JSON.parse(body) as { id: string }).id;
    expect(await services.notificationStore.getNotification(id)).toMatchObject({ state: 'accepting' });
    const repeated = await acceptNotification(body, intake);
    const again = await acceptNotification(body, intake);

    expect(repeated).toMatchObject({ ok: true, value: { id, status: 'accepted', deliveries: 1 } });
    expect(again).toEqual(repeated);
    expect(await services.notificationStore.getNotification(id)).toMatchObject({ state: 'accepted' });
    const seen = await rig.drainQueue();
    expect(seen.map((m) => m.body.conversationId).sort()).toEqual([direct.conversationId, broadcast.conversationId].sort());
    expect(rig.fanOutErrors).toEqual([]);
  });
});

describe('refusals', () => {
  it.each([
    ['not JSON', '{"targets": [', 'Not valid JSON'],
    ['an unknown field', { targets: [{ conversationId: 'a:1' }], message: { text: 'x' }, priority: 'high' }, 'priority'],
    ['no targets', { targets: [], message: { text: 'x' } }, 'targets'],
    ['a card that is not an Adaptive Card', { targets: [{ conversationId: 'a:1' }], message: { card: { type: 'HeroCard' } } }, 'message.card'],
    ['a sendAt that is no time', { targets: [{ conversationId: 'a:1' }], message: { text: 'x' }, sendAt: 'tomorrow' }, 'sendAt'],
  ])('answers 400 with details for %s', async (_case, body, where) => {
    const response = await rig.post(body);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.any(String), details: expect.any(Array) } });
    expect(JSON.stringify((response.body.error as { details: unknown }).details)).toContain(where);
    expect(rig.bus.getCounts().totals.sent).toBe(0);
  });

  it('answers 413 with the size and the limit for a message too large for Teams', async () => {
    const response = await rig.post({ targets: [{ conversationId: 'a:1' }], message: { text: 'x'.repeat(40_000) } });

    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/84,\d{3} bytes .* limit is 80,000 bytes/) } });
  });

  it('answers 413 for a body too long to read', async () => {
    const response = await rig.post(`{"targets":[],"message":{"text":"${'x'.repeat(1_000_001)}"}}`);

    expect(response.status).toBe(413);
  });

  it('answers 400 naming the field for a conversation id storage cannot hold (U+2028, control characters, too long), and keeps nothing half-accepted', async () => {
    const [conversationId] = await twoConversations();
    for (const [bad, message] of [
      ['a:1\u2028x', /contains U\+2028/],
      ['a:1\u2029x', /contains U\+2029/],
      ['a:1\u0007x', /contains U\+0007/],
      [`a:1${'x'.repeat(600)}`, /at most 300 can be stored/],
    ] as const) {
      const id = uniqueId('unstorable');
      const response = await rig.post({ id, targets: [{ conversationId }, { conversationId: bad }], message: { text: 'x' } });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: { code: 'BAD_REQUEST', details: [{ path: 'targets[1].conversationId', message: expect.stringMatching(message) }] } });
      expect((await rig.get(id)).status).toBe(404);
    }
    expect(rig.bus.getCounts().totals.sent).toBe(0);
  });

  describe('what a browser page could send', () => {
    const call = async (handler: typeof postNotificationHandler, method: string, path: string, headers: Record<string, string>, body?: string, params: Record<string, string> = {}): Promise<{ status: number; body: unknown }> => {
      const request = new HttpRequest({ method, url: `https://gateway.example.test${path}`, headers, params, ...(body === undefined ? {} : { body: { string: body } }) });
      const response = await handler(request, new InvocationContext({ logHandler: () => undefined }));
      return { status: response.status ?? 200, body: response.jsonBody };
    };
    const body = JSON.stringify({ targets: [{ conversationId: 'a:1' }], message: { text: 'drive-by' } });

    it('refuses a body that is not application/json with 415 (a form or text/plain needs no CORS preflight)', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const response = await call(postNotificationHandler, 'POST', '/api/notifications', { 'content-type': type }, body);
        expect(response).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', details: [{ path: 'content-type' }] } } });
      }
      expect((await call(notificationByIdHandler, 'PATCH', '/api/notifications/n-1', {}, '{"message":{"text":"x"}}', { id: 'n-1' })).status).toBe(415);
    });

    it('refuses writes from a page of another origin with 403, before reading anything', async () => {
      const foreign = { origin: 'https://evil.example', 'content-type': 'application/json' };
      expect(await call(postNotificationHandler, 'POST', '/api/notifications', foreign, body)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN_ORIGIN' } } });
      expect((await call(notificationByIdHandler, 'DELETE', '/api/notifications/n-1', foreign, undefined, { id: 'n-1' })).status).toBe(403);
      expect((await call(notificationByIdHandler, 'PATCH', '/api/notifications/n-1', foreign, '{"message":{"text":"x"}}', { id: 'n-1' })).status).toBe(403);
      // PublicBaseUrl's own pages may write.
      const own = await call(postNotificationHandler, 'POST', '/api/notifications', { origin: 'https://gateway.example.test', 'content-type': 'application/json' }, body);
      expect(own.status).toBe(202);
    });

    it('answers a 25 MB body 413 having read at most the limit', async () => {
      const huge = `{"targets":[{"conversationId":"a:1"}],"message":{"text":"${'x'.repeat(25 * 1024 * 1024)}"}}`;
      const response = await call(postNotificationHandler, 'POST', '/api/notifications', { 'content-type': 'application/json' }, huge);
      expect(response).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    });
  });

  it('never answers a 500 to any body (property: random JSON, random text, near-valid requests)', async () => {
    const services = await rig.services();
    const conversation = await seedConversation(services, { tenantId: newTenantId(), scope: 'personal' });
    const anyTarget = fc.oneof(
      fc.record({ conversationId: fc.oneof(fc.constant(conversation.conversationId), fc.string()) }),
      fc.record({ userId: fc.oneof(fc.uuid(), fc.string()), tenantId: fc.oneof(fc.uuid(), fc.string()) }),
      fc.record({ teamId: fc.string(), channelId: fc.option(fc.string(), { nil: undefined }) }),
      fc.record({ tenantId: fc.uuid(), scope: fc.constantFrom('personal', 'groupChat', 'team', 'all', 'everyone') }),
      fc.anything(),
    );
    const anyMessage = fc.oneof(
      fc.record({ text: fc.string() }),
      fc.record({ text: fc.string(), textFormat: fc.string(), summary: fc.option(fc.string(), { nil: undefined }) }),
      fc.record({ card: fc.record({ type: fc.constant('AdaptiveCard'), version: fc.constantFrom('1.4', '1.5', '9', ''), body: fc.array(fc.anything(), { maxLength: 3 }) }) }),
      fc.anything(),
    );
    const nearValid = fc.record(
      {
        id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/), fc.string()),
        targets: fc.array(anyTarget, { maxLength: 4 }),
        message: anyMessage,
        sendAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
        expiresAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
      },
      { requiredKeys: ['targets', 'message'] },
    );
    const now = rig.clock.now();
    const valid = fc.record(
      {
        id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
        targets: fc.array(
          fc.oneof(
            fc.constant({ conversationId: conversation.conversationId }),
            fc.record({ userId: fc.uuid(), tenantId: fc.uuid() }),
            fc.record({ tenantId: fc.uuid(), scope: fc.constantFrom('personal', 'groupChat', 'team', 'all') }),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        message: fc.record({ text: fc.string({ minLength: 1 }).map((t) => `${t}.`) }),
        sendAt: fc.integer({ min: -60, max: 60 }).map((m) => new Date(now + m * minute).toISOString()),
        expiresAt: fc.integer({ min: 61, max: 600 }).map((m) => new Date(now + m * minute).toISOString()),
      },
      { requiredKeys: ['targets', 'message'] },
    );
    const anyBody = fc.oneof(valid.map((b) => JSON.stringify(b)), nearValid.map((b) => JSON.stringify(b)), fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)));

    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(anyBody, async (text) => {
        const response = await rig.post(text);
        statuses.add(response.status);
        expect([202, 400, 409, 413]).toContain(response.status);
        expect(schemaProblems(response.status === 202 ? 'AcceptedNotification' : 'Error', response.body)).toEqual([]);
      }),
      { numRuns: 150 },
    );
    // The bodies reached both the refusals and the accepting path (storage and queue included).
    expect(statuses).toContain(400);
    expect(statuses).toContain(202);
  });
});

describe('scheduling and expiry', () => {
  it('holds the sends until sendAt (scheduled, not delivered) and gives them a TTL up to expiresAt', async () => {
    const [conversationId] = await twoConversations();
    const sendAt = new Date(rig.clock.now() + 60 * minute);
    const expiresAt = new Date(rig.clock.now() + 90 * minute);

    const response = await rig.post({ targets: [{ conversationId }], message: { text: 'stand-up in 5' }, sendAt: sendAt.toISOString(), expiresAt: expiresAt.toISOString() });

    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ sendAt: sendAt.toISOString(), expiresAt: expiresAt.toISOString() });
    expect(await rig.drainQueue()).toEqual([]);
    expect(rig.bus.getCounts().scheduled).toBe(1);

    await rig.clock.advanceBy(60 * minute);
    const seen = await rig.drainQueue();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ enqueuedAt: sendAt, timeToLive: 30 * minute, body: { conversationId, expiresAt: expiresAt.toISOString() } });
  });

  it('sends at once when sendAt is absent, with the TTL counted from now', async () => {
    const [conversationId] = await twoConversations();
    const expiresAt = new Date(rig.clock.now() + 15 * minute);

    await rig.post({ targets: [{ conversationId }], message: { text: 'now' }, expiresAt: expiresAt.toISOString() });

    const seen = await rig.drainQueue();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ enqueuedAt: rig.now(), timeToLive: 15 * minute });
  });
});
