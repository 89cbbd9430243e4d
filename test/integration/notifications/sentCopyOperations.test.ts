import { markCancelled, recordCopyOperation } from '../../../shared/notifications/store/deliveryTransitions';
import { type DeliveryRecord } from '../../../shared/notifications/store/notificationStore';
import { schemaProblems } from '../../unit/notifications/openApiSchemaCheck';
import { bySession, newTenantId, newUserId, NotificationRig, seedConversation, uniqueId, useGatewayEnvironment } from './notificationRig';

/**
 * PATCH and DELETE through the real handlers: one update or delete message per living copy, in the
 * conversation's session behind the send; and the status, paged.
 */
useGatewayEnvironment();

let rig: NotificationRig;
beforeEach(() => {
  rig = new NotificationRig();
});
afterEach(async () => rig.close());

const minute = 60_000;

/** A notification to a group chat (whose send "succeeded"), a personal chat and a chat still to create. */
async function postThree() {
  const services = await rig.services();
  const tenantId = newTenantId();
  const group = await seedConversation(services, { tenantId, scope: 'groupChat' });
  const personal = await seedConversation(services, { tenantId, scope: 'personal' });
  const newUser = newUserId();
  const id = uniqueId('copies');
  const posted = await rig.post({
    id,
    targets: [{ conversationId: group.conversationId }, { conversationId: personal.conversationId }, { userId: newUser, tenantId }],
    message: { text: 'v1' },
  });
  expect(posted.status).toBe(202);
  // What the send path does for the group chat's copy.
  await services.notificationStore.markSending(id, group.conversationId, 1);
  await services.notificationStore.markSent(id, group.conversationId, { activityId: '1700000000001', attempt: 1 });
  return { services, id, group: group.conversationId, personal: personal.conversationId, created: `user:${tenantId}:${newUser}` };
}

describe('PATCH and DELETE /api/notifications/{id}', () => {
  it('queues updates and deletes in each conversation’s session, in order behind the send', async () => {
    const { id, group, personal, created } = await postThree();

    const firstPatch = await rig.patch(id, { message: { text: 'v2' } });
    const secondPatch = await rig.patch(id, { message: { text: 'v3', summary: 'third' } });
    const deleted = await rig.delete(id);

    expect(firstPatch).toMatchObject({ status: 202, body: { id, status: 'updating', revision: 1, updates: 3, statusUrl: expect.stringContaining(id) } });
    expect(secondPatch.body).toMatchObject({ revision: 2, updates: 3 });
    // The sent copy is deleted; the two not yet sent are cancelled, so their sends will be skipped.
    expect(deleted).toMatchObject({ status: 202, body: { id, status: 'deleted', deletes: 1, cancelled: 2 } });
    expect(schemaProblems('UpdateAccepted', firstPatch.body)).toEqual([]);
    expect(schemaProblems('DeleteAccepted', deleted.body)).toEqual([]);

    const sessions = bySession(await rig.drainQueue());
    const timeline = (session: string) => sessions.get(session)?.map((m) => `${m.body.operation}:${m.body.revision}:${m.body.activity?.text ?? '-'}`);
    expect(timeline(group)).toEqual(['send:0:v1', 'update:1:v2', 'update:2:v3', 'delete:2:-']);
    expect(timeline(personal)).toEqual(['send:0:v1', 'update:1:v2', 'update:2:v3']);
    expect(timeline(created)).toEqual(['send:0:v1', 'update:1:v2', 'update:2:v3']);
    // A created chat's later operations keep addressing the user, like its send.
    expect(sessions.get(created)?.every((m) => m.body.conversationId === undefined && m.body.createFor !== undefined)).toBe(true);

    const status = await rig.get(id);
    expect(schemaProblems('NotificationStatus', status.body)).toEqual([]);
    // The delete message is queued, not yet made: the notification is still deleting, the copy still sent.
    expect(status.body).toMatchObject({ status: 'deleting', revision: 2, counts: { queued: 0, sent: 1, failed: 0, skipped: 0, cancelled: 2, deleted: 0 } });
    expect(status.body.deliveries).toContainEqual(expect.objectContaining({ conversationId: group, status: 'sent', activityId: '1700000000001', attempts: 1 }));
  });

  it('answers a repeated DELETE the same way without cancelling or queuing anything new, and refuses a PATCH after it', async () => {
    const { id } = await postThree();
    await rig.delete(id);

    const again = await rig.delete(id);
    const patch = await rig.patch(id, { message: { text: 'too late' } });

    expect(again.body).toMatchObject({ deletes: 1, cancelled: 0 });
    expect(rig.bus.getCounts().totals.duplicatesDropped).toBe(1);
    expect(patch.status).toBe(409);
    expect(patch.body).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringContaining('deleted') } });
  });

  it('keeps an update of a scheduled send behind it: both wait for sendAt', async () => {
    const services = await rig.services();
    const group = await seedConversation(services, { tenantId: newTenantId(), scope: 'groupChat' });
    const sendAt = new Date(rig.clock.now() + 30 * minute).toISOString();
    const posted = await rig.post({ targets: [{ conversationId: group.conversationId }], message: { text: 'later' }, sendAt });

    await rig.patch(String(posted.body.id), { message: { text: 'later, corrected' } });
    expect(await rig.drainQueue()).toEqual([]);
    expect(rig.bus.getCounts().scheduled).toBe(2);
    await rig.clock.advanceBy(30 * minute);

    expect((await rig.drainQueue()).map((m) => `${m.body.operation}:${m.body.activity?.text}`)).toEqual(['send:later', 'update:later, corrected']);
  });

  it('answers 404, 400 and 413 as fits', async () => {
    const { id } = await postThree();

    expect((await rig.patch(uniqueId('unknown'), { message: { text: 'x' } })).status).toBe(404);
    expect((await rig.delete(uniqueId('unknown'))).status).toBe(404);
    expect((await rig.get(uniqueId('unknown'))).status).toBe(404);
    const badBody = await rig.patch(id, { message: { text: 'x' }, targets: [] });
    expect(badBody).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST', details: [{ path: 'targets' }] } } });
    expect((await rig.patch(id, '{')).status).toBe(400);
    expect((await rig.patch(id, { message: { text: 'x'.repeat(40_000) } })).status).toBe(413);
    expect((await rig.get('no/such id')).status).toBe(400);
  });
});

describe('GET /api/notifications/{id}', () => {
  it('pages the deliveries with a continuation token while the counts cover them all', async () => {
    const { id, group, personal } = await postThree();

    const first = await rig.get(id, '?pageSize=2');
    const second = await rig.get(id, `?pageSize=2&continuationToken=${encodeURIComponent(String(first.body.continuationToken))}`);

    expect(first.body).toMatchObject({ id, status: 'accepted', revision: 0, counts: { queued: 2, sent: 1, failed: 0, skipped: 0, cancelled: 0, deleted: 0 } });
    expect(first.body.deliveries).toHaveLength(2);
    expect(second.body.deliveries).toHaveLength(1);
    expect(second.body.continuationToken).toBeUndefined();
    const all = [...(first.body.deliveries as { conversationId?: string; user?: unknown }[]), ...(second.body.deliveries as { conversationId?: string }[])];
    expect(all.map((d) => d.conversationId ?? 'created').sort()).toEqual([group, personal, 'created'].sort());
  });

  it('refuses a bad page size or a token of another notification with 400', async () => {
    const { id } = await postThree();
    const other = await postThree();
    const token = String((await rig.get(other.id, '?pageSize=1')).body.continuationToken);

    expect((await rig.get(id, '?pageSize=0')).status).toBe(400);
    expect((await rig.get(id, '?pageSize=1001')).status).toBe(400);
    expect((await rig.get(id, '?pageSize=ten')).status).toBe(400);
    const foreign = await rig.get(id, `?continuationToken=${encodeURIComponent(token)}`);
    expect(foreign).toMatchObject({ status: 400, body: { error: { details: [{ path: 'continuationToken' }] } } });
    expect((await rig.get(id, '?continuationToken=%%%')).status).toBe(400);
  });
});

describe('the final status', () => {
  it('ends completedWithFailures once every copy is final, counted the same way', async () => {
    const { services, id, personal, created } = await postThree();
    const store = services.notificationStore;

    expect((await rig.get(id)).body).toMatchObject({ status: 'accepted', counts: { queued: 2, sent: 1 } });
    await store.markFinished(id, personal, { status: 'failed', error: { status: 403, code: 'BotNotInConversationRoster', message: 'gone' }, failureClass: 'gone' });
    await store.markSending(id, created, 1);
    await store.markSent(id, created, { activityId: '1700000000002', conversationId: 'a:1created', attempt: 1 });

    const status = await rig.get(id);
    expect(status.body).toMatchObject({ status: 'completedWithFailures', counts: { queued: 0, sent: 2, failed: 1, skipped: 0, cancelled: 0, deleted: 0 } });
    expect(schemaProblems('NotificationStatus', status.body)).toEqual([]);
  });

  it('reads a deleted copy as deleted, at the notification’s revision, and the notification as deleted once every delete is done', async () => {
    const { services, id, group } = await postThree();
    await rig.patch(id, { message: { text: 'v2' } });
    await rig.delete(id);
    const deletes = (await rig.drainQueue()).filter((m) => m.body.operation === 'delete');
    expect(deletes.map((m) => [m.body.conversationId, m.body.revision])).toEqual([[group, 1]]);
    expect((await rig.get(id)).body).toMatchObject({ status: 'deleting' });

    // What the send path records once Teams deleted the copy.
    await services.notificationStore.recordCopyOperation(id, group, { operation: 'delete', revision: deletes[0]?.body.revision ?? -1, status: 'sent' });

    const status = await rig.get(id);
    expect(status.body).toMatchObject({ status: 'deleted', revision: 1, counts: { queued: 0, sent: 0, cancelled: 2, deleted: 1 } });
    expect(status.body.deliveries).toContainEqual(
      expect.objectContaining({ conversationId: group, status: 'deleted', activityId: '1700000000001', lastOperation: expect.objectContaining({ operation: 'delete', revision: 1, status: 'sent' }) }),
    );
    expect(schemaProblems('NotificationStatus', status.body)).toEqual([]);
  });
});

describe('the delivery status store (for the send and deadLetter paths)', () => {
  it('lets exactly one of a racing send and cancel win, and settles the rest by its rules', async () => {
    const { services, id, personal } = await postThree();
    const store = services.notificationStore;

    const [sending, cancelling] = await Promise.all([store.markSending(id, personal, 1), store.markCancelled(id, personal)]);

    expect([sending.outcome, cancelling.outcome].sort()).toEqual(['applied', 'unchanged']);
    const standing = await store.getDelivery(id, personal);
    expect(standing?.status).toBe(sending.outcome === 'applied' ? 'sending' : 'cancelled');
  });

  it('cancels many rows in conditional batches, redoing only a batch that met a change since the read', async () => {
    const { services, id, personal, created } = await postThree();
    const store = services.notificationStore;
    const rows: DeliveryRecord[] = [];
    for await (const page of store.allDeliveries(id)) rows.push(...page.filter((row) => row.status === 'queued'));
    // A send starts on one of them after the read.
    await store.markSending(id, personal, 1);

    const results = await store.transitionDeliveries(rows, markCancelled(rig.now()));

    expect(Object.fromEntries(rows.map((row, i) => [row.key, results[i]?.outcome]))).toEqual({ [personal]: 'unchanged', [created]: 'applied' });
    expect((await store.getDelivery(id, personal))?.status).toBe('sending');
    expect((await store.getDelivery(id, created))?.status).toBe('cancelled');
    // Rows read fresh go through in one batch.
    const fresh: DeliveryRecord[] = [];
    for await (const page of store.allDeliveries(id)) fresh.push(...page);
    const again = await store.transitionDeliveries(fresh, recordCopyOperation({ operation: 'delete', revision: 0, status: 'queued' }, rig.now()));
    expect(again.map((result) => result.outcome)).toEqual(fresh.map(() => 'applied'));
  });

  it('records retries, a final failure and the results of update and delete', async () => {
    const { services, id, personal, group } = await postThree();
    const store = services.notificationStore;

    await store.markSending(id, personal, 1);
    await store.recordRetry(id, personal, 1, { status: 503, code: 'ServiceUnavailable', message: 'try later' });
    await store.markSending(id, personal, 2);
    const failed = await store.markFinished(id, personal, { status: 'failed', error: { status: 403, code: 'BotNotInConversationRoster', message: 'gone' }, failureClass: 'gone' });
    const lateSend = await store.markSending(id, personal, 3);
    await store.recordCopyOperation(id, group, { operation: 'update', revision: 2, status: 'sent' });
    const olderUpdate = await store.recordCopyOperation(id, group, { operation: 'update', revision: 1, status: 'failed', error: { code: 'x', message: 'y' } });

    expect(failed).toMatchObject({ outcome: 'applied', delivery: { status: 'failed', attempts: 2, failureClass: 'gone', lastError: { status: 403, code: 'BotNotInConversationRoster' } } });
    expect(lateSend.outcome).toBe('unchanged');
    expect(olderUpdate.outcome).toBe('unchanged');
    expect(await store.getDelivery(id, group)).toMatchObject({ status: 'sent', lastOperation: { operation: 'update', revision: 2, status: 'sent' } });
    expect(await store.markSending(id, uniqueId('a:none'), 1)).toEqual({ outcome: 'notFound' });
  });
});
