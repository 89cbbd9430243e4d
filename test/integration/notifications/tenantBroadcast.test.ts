import { type TableClient, type TransactionAction } from '@azure/data-tables';

import { runFanOutStep } from '../../../shared/notifications/intake/tenantFanOut';
import { tableNames } from '../../../shared/resourceNames';
import { createDeadLetterRecorder } from '../../../shared/sending/deadLetterRecorder';
import { indexRowToEntity } from '../../../shared/store/conversationEntity';
import { indexRowsOf } from '../../../shared/store/conversationIndexRows';
import { type ConversationRecord } from '../../../shared/store/conversationStore';
import { createTableClient } from '../../../shared/store/tableClientFactory';
import { schemaProblems } from '../../unit/notifications/openApiSchemaCheck';
import { received } from '../../unit/sending/sendingFakes';
import { botAppId, newTenantId, NotificationRig, seedConversation, serviceUrl, uniqueId, useGatewayEnvironment } from './notificationRig';

/**
 * Tenant broadcasts: the POST answers before any fan-out runs, and the fan-out steps (run the way the send
 * function runs them) queue exactly one delivery per active conversation of the scope, whatever repeats.
 */
useGatewayEnvironment();

let rig: NotificationRig;
beforeEach(() => {
  rig = new NotificationRig();
});
afterEach(async () => rig.close());

/**
 * Index rows for `count` group chats of a tenant, written straight into the conversation index in batches
 * (the fan-out reads only the index; going through upsertFromActivity would cost five requests each).
 */
async function seedIndexOnlyGroupChats(tenantId: string, count: number): Promise<string[]> {
  const services = await rig.services();
  const index: TableClient = createTableClient(services.config.tables, tableNames.conversationIndex);
  await index.createTable();
  const at = '2026-02-01T00:00:00.000Z';
  const ids = Array.from({ length: count }, (_, i) => `19:bulk-${tenantId}-${i}@thread.v2`);
  const actions: TransactionAction[] = ids.flatMap((conversationId) => {
    const record: ConversationRecord = {
      conversationId,
      tenantId,
      scope: 'groupChat',
      isThread: false,
      reference: { bot: { id: `28:${botAppId}` }, conversation: { id: conversationId, conversationType: 'groupChat', tenantId }, channelId: 'msteams', serviceUrl },
      referenceAt: at,
      status: 'active',
      statusChangedAt: at,
      createdAt: at,
      updatedAt: at,
      revision: 1,
    };
    return indexRowsOf(record).map((row): TransactionAction => ['create', indexRowToEntity(row)]);
  });
  const batches: TransactionAction[][] = [];
  for (let start = 0; start < actions.length; start += 100) batches.push(actions.slice(start, start + 100));
  for (const batch of batches) await index.submitTransaction(batch);
  return ids;
}

describe('tenant broadcast', () => {
  it('answers before the fan-out, then queues exactly one send to each of 10,000 conversations', async () => {
    const services = await rig.services();
    const tenantId = newTenantId();
    const direct = await seedConversation(services, { tenantId, scope: 'groupChat' });
    const removed = await seedConversation(services, { tenantId, scope: 'groupChat' });
    await services.conversationStore.markRemoved(removed.conversationId, 'BotNotInConversationRoster', new Date('2026-02-20T00:00:00.000Z'));
    const personal = await seedConversation(services, { tenantId, scope: 'personal' });
    const bulk = await seedIndexOnlyGroupChats(tenantId, 9_999);
    const id = uniqueId('broadcast');

    // The direct target names a conversation the broadcast reaches too: still one delivery.
    const response = await rig.post({ id, targets: [{ conversationId: direct.conversationId }, { tenantId, scope: 'groupChat' }], message: { text: 'Maintenance tonight' } });

    expect(response.status).toBe(202);
    expect(schemaProblems('AcceptedNotification', response.body)).toEqual([]);
    expect(response.body).toMatchObject({ id, deliveries: 1, unresolved: [], fanOut: [{ target: { tenantId, scope: 'groupChat' }, status: 'expanding' }] });
    // Nothing has been expanded yet: one send and the first fan-out step wait in the queue.
    expect(rig.bus.getCounts()).toMatchObject({ active: 2, scheduled: 0 });
    const before = await rig.get(id);
    expect(before.body).toMatchObject({ counts: { queued: 1 }, fanOut: [{ status: 'expanding', pages: 0, deliveries: 0 }] });

    const seen = await rig.drainQueue();

    expect(rig.fanOutErrors).toEqual([]);
    const conversations = seen.map((m) => m.body.conversationId);
    expect(seen.every((m) => m.body.operation === 'send' && m.body.notificationId === id)).toBe(true);
    expect(conversations).toHaveLength(10_000);
    expect(new Set(conversations).size).toBe(10_000);
    expect(new Set(conversations)).toEqual(new Set([direct.conversationId, ...bulk]));
    expect(conversations).not.toContain(removed.conversationId);
    expect(conversations).not.toContain(personal.conversationId);
    const after = await rig.get(id);
    expect(schemaProblems('NotificationStatus', after.body)).toEqual([]);
    expect(after.body).toMatchObject({ counts: { queued: 10_000, sent: 0, failed: 0, skipped: 0 }, fanOut: [{ status: 'done', deliveries: 9_999 }] });
  });

  it('gives a conversation reached by two tenant targets one delivery', async () => {
    const services = await rig.services();
    const tenantId = newTenantId();
    const personal = await Promise.all([1, 2, 3].map(async () => seedConversation(services, { tenantId, scope: 'personal' })));
    const group = await seedConversation(services, { tenantId, scope: 'groupChat' });
    const channel = await seedConversation(services, { tenantId, scope: 'channel' });

    const response = await rig.post({ targets: [{ tenantId, scope: 'personal' }, { tenantId, scope: 'all' }], message: { text: 'All hands' } });

    expect(response.status).toBe(202);
    const seen = await rig.drainQueue();
    expect(seen.map((m) => m.body.conversationId).sort()).toEqual([...personal, group, channel].map((c) => c.conversationId).sort());
    const status = await rig.get(String(response.body.id));
    expect(status.body.fanOut).toEqual([
      { target: { tenantId, scope: 'personal' }, status: 'done', pages: 1, deliveries: 3 },
      { target: { tenantId, scope: 'all' }, status: 'done', pages: 1, deliveries: 2 },
    ]);
  });
});

describe('runFanOutStep', () => {
  it('pages through the tenant, and a repeated step queues nothing twice and counts its page once', async () => {
    const services = await rig.services();
    const tenantId = newTenantId();
    const chats = await Promise.all([1, 2, 3, 4, 5].map(async () => seedConversation(services, { tenantId, scope: 'groupChat' })));
    const response = await rig.post({ targets: [{ tenantId, scope: 'groupChat' }], message: { text: 'paged' } });
    const id = String(response.body.id);
    const fanOut = { notifications: services.notificationStore, audience: services.tenantAudience, queue: services.deliveryQueue, now: services.now, pageSize: 2 };
    const first = { version: 1 as const, notificationId: id, operation: 'fanOut' as const, attempt: 1, revision: 0, fanOut: { targetIndex: 0, tenantId, scope: 'groupChat' as const, page: 0 } };

    const outcomes = [await runFanOutStep(first, fanOut), await runFanOutStep(first, fanOut)];

    // The repeat (a crash after enqueuing) enqueues the same messages again; duplicate detection drops them.
    expect(outcomes).toEqual([
      { outcome: 'continued', page: 0, queued: 2 },
      { outcome: 'continued', page: 0, queued: 2 },
    ]);
    expect(rig.bus.getCounts().totals.duplicatesDropped).toBe(3);
    expect(await services.notificationStore.getFanOutProgress(id, 0)).toMatchObject({ pagesDone: 1, deliveries: 2, state: 'expanding' });
    // The rest of the chain runs from the queue (page 0's message was enqueued by the POST, its repeat is dropped).
    const seen = await rig.drainQueue();
    expect(seen.map((m) => m.body.conversationId).sort()).toEqual(chats.map((c) => c.conversationId).sort());
    expect(await services.notificationStore.getFanOutProgress(id, 0)).toMatchObject({ deliveries: 5, state: 'done' });
    expect(await runFanOutStep(first, fanOut)).toEqual({ outcome: 'stopped', reason: 'AlreadyFinished' });
  });

  it('stops a broadcast whose notification was deleted before it ran', async () => {
    const services = await rig.services();
    const tenantId = newTenantId();
    await seedConversation(services, { tenantId, scope: 'personal' });
    const response = await rig.post({ targets: [{ tenantId, scope: 'personal' }], message: { text: 'never mind' } });
    const id = String(response.body.id);

    expect((await rig.delete(id)).body).toMatchObject({ deletes: 0, cancelled: 0 });
    const seen = await rig.drainQueue();

    expect(seen.filter((m) => m.body.operation === 'send')).toEqual([]);
    expect((await rig.get(id)).body).toMatchObject({ status: 'deleted', counts: { queued: 0 }, fanOut: [{ status: 'stopped', pages: 0 }] });
  });

  it('shows a fan-out whose step was dead-lettered as failed, with the reason, and runs no more of it', async () => {
    const services = await rig.services();
    const tenantId = newTenantId();
    await seedConversation(services, { tenantId, scope: 'personal' });
    const response = await rig.post({ targets: [{ tenantId, scope: 'personal' }], message: { text: 'lost step' } });
    const id = String(response.body.id);
    const step = { version: 1 as const, notificationId: id, operation: 'fanOut' as const, attempt: 1, revision: 0, fanOut: { targetIndex: 0, tenantId, scope: 'personal' as const, page: 0 } };
    const recorder = createDeadLetterRecorder({ conversations: services.conversationStore, deliveries: services.notificationStore, now: services.now });

    const recorded = await recorder.record(received(step, { deadLetterReason: 'MaxDeliveryCountExceeded', deadLetterErrorDescription: 'Message could not be consumed after 10 delivery attempts.' }));

    expect(recorded.notes).toEqual([`fan-out ${id} target 0 recorded failed at page 0`]);
    expect((await rig.get(id)).body).toMatchObject({
      fanOut: [
        {
          target: { tenantId, scope: 'personal' },
          status: 'failed',
          pages: 0,
          deliveries: 0,
          error: { code: 'MaxDeliveryCountExceeded', message: 'Message could not be consumed after 10 delivery attempts.' },
        },
      ],
    });
    // The queued step (a redelivery) finds the chain ended and queues nothing.
    const seen = await rig.drainQueue();
    expect(seen.filter((m) => m.body.operation === 'send')).toEqual([]);
    expect((await rig.get(id)).body).toMatchObject({ counts: { queued: 0 }, fanOut: [{ status: 'failed' }] });
  });

  it('refuses a message that is not a fan-out step', async () => {
    const services = await rig.services();
    const send = { version: 1 as const, notificationId: 'n-1', operation: 'send' as const, conversationId: 'a:1', attempt: 1, revision: 0 };

    await expect(
      runFanOutStep(send, { notifications: services.notificationStore, audience: services.tenantAudience, queue: services.deliveryQueue, now: services.now }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
