import { schemaProblems } from '../../unit/notifications/openApiSchemaCheck';
import { newTenantId, type NotificationRig, seedConversation, uniqueId, useNotificationRig } from './notificationRig';

/**
 * `GET /api/notifications` through the real handler and Table adapter: newest first from the list index,
 * filtered by time, tag and status, paged with a token tied to its query. Each test lists under its own tag
 * (the Azurite tables are shared by every suite).
 */
const currentRig = useNotificationRig();
let rig: NotificationRig;
beforeEach(() => {
  rig = currentRig();
});

const minute = 60_000;

type ListBody = { notifications: { id: string; status: string; tag?: string; createdAt: string; counts: Record<string, number> }[]; continuationToken?: string };

/** Posts one notification a minute under `tag`, to one group chat each; returns their ids, oldest first. */
async function postSeries(tag: string, count: number): Promise<{ ids: string[]; conversations: string[] }> {
  const services = await rig.services();
  const tenantId = newTenantId();
  const ids: string[] = [];
  const conversations: string[] = [];
  for (let i = 0; i < count; i++) {
    const chat = await seedConversation(services, { tenantId, scope: 'groupChat' });
    const id = uniqueId(`list${i}`);
    expect((await rig.post({ id, tag, targets: [{ conversationId: chat.conversationId }], message: { text: `n${i}` } })).status).toBe(202);
    ids.push(id);
    conversations.push(chat.conversationId);
    await rig.clock.advanceBy(minute);
  }
  return { ids, conversations };
}

describe('GET /api/notifications', () => {
  it('lists a tag’s notifications newest first, page by page, each once', async () => {
    const tag = uniqueId('svc');
    const { ids } = await postSeries(tag, 5);

    const first = await rig.list({ tag, pageSize: '2' });
    expect(first.status).toBe(200);
    expect(schemaProblems('NotificationList', first.body)).toEqual([]);
    const seen: string[] = [];
    let body = first.body as ListBody;
    for (;;) {
      seen.push(...body.notifications.map((n) => n.id));
      if (body.continuationToken === undefined) break;
      body = (await rig.list({ tag, pageSize: '2', continuationToken: body.continuationToken })).body as ListBody;
    }

    expect(seen).toEqual([...ids].reverse());
    expect((first.body as ListBody).notifications[0]).toMatchObject({ tag, status: 'accepted', counts: { queued: 1 }, statusUrl: expect.stringContaining(ids[4] ?? '') });
  });

  it('writes the list rows once however often the same POST is repeated', async () => {
    const tag = uniqueId('svc');
    const services = await rig.services();
    const chat = await seedConversation(services, { tenantId: newTenantId(), scope: 'groupChat' });
    const request = { id: uniqueId('repeat'), tag, targets: [{ conversationId: chat.conversationId }], message: { text: 'once' } };

    await rig.post(request);
    await rig.clock.advanceBy(minute);
    await rig.post(request);
    // What a repeat after a crash between the list rows and the 202 does again.
    const stored = await services.notificationStore.getNotification(request.id);
    await services.notificationStore.addToList({ id: request.id, createdAt: stored?.createdAt ?? '', tag });

    expect(((await rig.list({ tag })).body as ListBody).notifications.map((n) => n.id)).toEqual([request.id]);
  });

  it('filters by a creation-time window and by status', async () => {
    const tag = uniqueId('svc');
    const { ids, conversations } = await postSeries(tag, 4);
    const services = await rig.services();
    // The oldest completes, the second fails outright.
    await services.notificationStore.markSent(ids[0] ?? '', conversations[0] ?? '', { activityId: '1700000000001' });
    await services.notificationStore.markFinished(ids[1] ?? '', conversations[1] ?? '', { status: 'failed', error: { status: 403, code: 'BotNotInConversationRoster', message: 'gone' }, failureClass: 'gone' });
    const start = Date.parse('2026-03-01T10:00:00.000Z');

    const window = await rig.list({ tag, createdAfter: new Date(start).toISOString(), createdBefore: new Date(start + 3 * minute).toISOString() });
    const finished = await rig.list({ tag, status: 'completed,failed' });
    const open = await rig.list({ tag, status: 'accepted' });

    // Exclusive bounds: the first (created at `start`) and the fourth (start + 3 min) are outside.
    expect((window.body as ListBody).notifications.map((n) => n.id)).toEqual([ids[2], ids[1]]);
    expect((finished.body as ListBody).notifications.map((n) => [n.id, n.status])).toEqual([
      [ids[1], 'failed'],
      [ids[0], 'completed'],
    ]);
    expect((open.body as ListBody).notifications.map((n) => n.id)).toEqual([ids[3], ids[2]]);
  });

  it('answers 400 naming the parameter for bad filters and for a token of another query', async () => {
    const tag = uniqueId('svc');
    await postSeries(tag, 2);
    const token = ((await rig.list({ tag, pageSize: '1' })).body as ListBody).continuationToken ?? '';

    const cases: [Record<string, string>, string][] = [
      [{ createdAfter: 'yesterday' }, 'createdAfter'],
      [{ createdAfter: '2026-03-02T00:00:00Z', createdBefore: '2026-03-01T00:00:00Z' }, 'createdBefore'],
      [{ status: 'done' }, 'status'],
      [{ tag: 'a b' }, 'tag'],
      [{ pageSize: '101' }, 'pageSize'],
      [{ continuationToken: 'not-a-token' }, 'continuationToken'],
      [{ tag: uniqueId('other'), continuationToken: token }, 'continuationToken'],
    ];
    for (const [query, field] of cases) {
      const response = await rig.list(query);
      expect([field, response.status]).toEqual([field, 400]);
      expect(response.body).toMatchObject({ error: { code: 'BAD_REQUEST', details: [expect.objectContaining({ path: field })] } });
    }
  });

  it('refuses a tag that is not a plain token at POST, naming the field', async () => {
    const response = await rig.post({ tag: 'has space', targets: [{ conversationId: '19:x@thread.v2' }], message: { text: 'x' } });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { details: [expect.objectContaining({ path: 'tag' })] } });
  });
});
