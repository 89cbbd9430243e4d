import { randomUUID } from 'node:crypto';

import { TableClient } from '@azure/data-tables';

import { acceptNotification } from '../../../shared/notifications/intake/notificationIntake';
import { readNotificationStatus } from '../../../shared/notifications/status/notificationStatus';
import { type NotificationStore } from '../../../shared/notifications/store/notificationStore';
import { createTableNotificationStore } from '../../../shared/notifications/store/tableNotificationStore';
import { deliveryMessageId } from '../../../shared/queue/deliveryMessage';
import { type DeliveryQueue, type QueuedDelivery } from '../../../shared/queue/deliveryQueue';
import { reconcileDueNotifications, type ReconcileRun } from '../../../shared/reconciliation/notificationReconciler';
import { maxReconciliations, reconcileAfterInMs } from '../../../shared/reconciliation/reconcileSchedule';
import { TableDueChecks } from '../../../shared/reconciliation/tableDueChecks';
import { newTenantId, NotificationRig, seedConversation, uniqueId, useGatewayEnvironment } from '../notifications/notificationRig';

/**
 * The reconciler on Azurite: notifications accepted while their queue messages go nowhere (a queue that is
 * lost, as after a crash or a purge), then reconciled at times past the deadline. Tables of its own (the
 * due-check index is read table-wide, so other suites' notifications must not be in it).
 */
useGatewayEnvironment();

const minute = 60_000;
const start = Date.parse('2026-03-01T10:00:00.000Z');

/** A queue that keeps what it is given: stands for Service Bus; "lost" when nobody reads it. */
class RecordingQueue implements DeliveryQueue {
  readonly messages: QueuedDelivery[] = [];
  enqueue(deliveries: readonly QueuedDelivery[]): Promise<void> {
    this.messages.push(...deliveries);
    return Promise.resolve();
  }
  ids(): string[] {
    return this.messages.map((message) => deliveryMessageId(message.body));
  }
}

let rig: NotificationRig;
let time: number;
let store: NotificationStore;
let checks: TableDueChecks;
const now = (): Date => new Date(time);

beforeEach(() => {
  rig = new NotificationRig();
  time = start;
  const connection = process.env.TEST_TABLES_CONNECTION!;
  const table = (name: string): TableClient => TableClient.fromConnectionString(connection, `${name}${randomUUID().replace(/-/g, '').slice(0, 12)}`, { allowInsecureConnection: true });
  checks = new TableDueChecks(table('dueChecks'));
  store = createTableNotificationStore({ notifications: table('notifications'), deliveries: table('deliveries'), dueChecks: checks, now });
});
afterEach(async () => rig.close());

async function accept(body: Record<string, unknown>, queue: DeliveryQueue): Promise<string> {
  const services = await rig.services();
  const result = await acceptNotification(JSON.stringify(body), { conversations: services.conversationStore, notifications: store, queue, now });
  if (!result.ok) throw result.error;
  return result.value.id;
}

async function conversations(count: number): Promise<string[]> {
  const services = await rig.services();
  const tenantId = newTenantId();
  const seeded = [];
  for (let i = 0; i < count; i++) seeded.push((await seedConversation(services, { tenantId, scope: 'personal' })).conversationId);
  return seeded;
}

async function reconcileAt(at: number, queue: DeliveryQueue): Promise<ReconcileRun> {
  time = at;
  return reconcileDueNotifications({ checks, store, queue, now });
}

async function deliveriesOf(id: string): Promise<Record<string, unknown>[]> {
  const status = await readNotificationStatus(id, { pageSize: 100 }, store);
  if (!status.ok) throw status.error;
  return status.value.deliveries;
}

describe('the reconciler', () => {
  it('does nothing before the deadline, then re-queues each lost send with the id it had, visible in the status', async () => {
    const targets = await conversations(2);
    const lost = new RecordingQueue();
    const id = await accept({ id: uniqueId('lost'), targets: targets.map((conversationId) => ({ conversationId })), message: { text: 'lost' } }, lost);

    const early = new RecordingQueue();
    expect(await reconcileAt(start + 10 * minute, early)).toMatchObject({ checked: 0, requeued: 0 });
    expect(early.messages).toEqual([]);

    const again = new RecordingQueue();
    const run = await reconcileAt(start + reconcileAfterInMs + minute, again);
    expect(run).toMatchObject({ checked: 1, requeued: 2, failed: 0, settled: 0 });
    expect(run.notes).toEqual([`${id}: re-queued 2 (0 interrupted while sending)`]);
    // The same ids: Service Bus drops a re-queue of a message it still has (within its duplicate window).
    expect(again.ids().sort()).toEqual(lost.ids().sort());
    const reconciledAt = new Date(time).toISOString();
    expect(await deliveriesOf(id)).toEqual(targets.map(() => expect.objectContaining({ status: 'queued', reconciledAt, reconciliations: 1 })));

    // Watched again from the re-queue: not due before another deadline.
    expect(await reconcileAt(time + 10 * minute, new RecordingQueue())).toMatchObject({ checked: 0 });
  });

  it('re-queues a send cut off by a crash as the same attempt, and lets go once everything is final', async () => {
    const [first, second] = await conversations(2);
    const id = await accept({ id: uniqueId('crash'), targets: [{ conversationId: first }, { conversationId: second }], message: { text: 'crash' } }, new RecordingQueue());
    time += minute;
    await store.markSending(id, first!, 1);
    await store.markSent(id, second!, { activityId: 'posted-1', attempt: 1 });
    expect(await store.anyPendingDelivery(id)).toBe(true);

    const queue = new RecordingQueue();
    const run = await reconcileAt(start + reconcileAfterInMs + 2 * minute, queue);
    expect(run).toMatchObject({ requeued: 1 });
    expect(queue.messages.map((message) => [message.body.conversationId, message.body.attempt])).toEqual([[first, 1]]);
    expect(await deliveriesOf(id)).toEqual(expect.arrayContaining([expect.objectContaining({ conversationId: first, status: 'sending', reconciliations: 1 })]));

    // The re-queued message is processed this time: the next check finds nothing in flight and drops the watch.
    await store.markSent(id, first!, { activityId: 'posted-2', attempt: 1 });
    expect(await store.anyPendingDelivery(id)).toBe(false);
    expect(await reconcileAt(time + reconcileAfterInMs + minute, new RecordingQueue())).toMatchObject({ checked: 1, requeued: 0, settled: 1 });
    expect(await reconcileAt(time + 10 * reconcileAfterInMs, new RecordingQueue())).toMatchObject({ checked: 0 });
  });

  it('finalizes instead: Expired past expiresAt, cancelled for a deleted notification, QueueMessageLost when every re-queue is lost too', async () => {
    const targets = await conversations(3);
    const expiring = await accept(
      { id: uniqueId('expiring'), targets: [{ conversationId: targets[0] }], message: { text: 'x' }, expiresAt: new Date(start + 30 * minute).toISOString() },
      new RecordingQueue(),
    );
    const deleted = await accept({ id: uniqueId('deleted'), targets: [{ conversationId: targets[1] }], message: { text: 'y' } }, new RecordingQueue());
    const record = await store.getNotification(deleted);
    await store.replaceNotification({ ...record!, deleted: true, deletedAt: now().toISOString() });
    const unlucky = await accept({ id: uniqueId('unlucky'), targets: [{ conversationId: targets[2] }], message: { text: 'z' } }, new RecordingQueue());

    const first = await reconcileAt(start + reconcileAfterInMs + minute, new RecordingQueue());
    expect(first).toMatchObject({ checked: 3, requeued: 1, failed: 1, cancelled: 1, settled: 2 });
    expect(await deliveriesOf(expiring)).toEqual([expect.objectContaining({ status: 'failed', failureClass: 'expired', lastError: expect.objectContaining({ code: 'Expired' }) })]);
    expect(await deliveriesOf(deleted)).toEqual([expect.objectContaining({ status: 'cancelled', reconciledAt: now().toISOString() })]);

    // Every re-queue of the third is lost as well: after maxReconciliations it is given up, with the reason.
    for (let round = 1; round <= maxReconciliations; round++) await reconcileAt(time + reconcileAfterInMs + minute, new RecordingQueue());
    expect(await deliveriesOf(unlucky)).toEqual([
      expect.objectContaining({ status: 'failed', failureClass: 'exhausted', reconciliations: maxReconciliations, lastError: expect.objectContaining({ code: 'QueueMessageLost' }) }),
    ]);
    expect(await reconcileAt(time + 10 * reconcileAfterInMs, new RecordingQueue())).toMatchObject({ checked: 0 });
  });

  it('finishes an intake that crashed before it was marked accepted', async () => {
    const [conversationId] = await conversations(1);
    const id = uniqueId('accepting');
    const created = await store.createNotification({
      id,
      createdAt: now().toISOString(),
      state: 'accepting',
      digest: 'digest',
      message: { text: 'half done' },
      revision: 0,
      deleted: false,
      updatedAt: now().toISOString(),
    });
    expect(created.created).toBe(true);
    await store.addDeliveries([
      { notificationId: id, key: conversationId!, origin: 'direct', conversationId, conversationType: 'personal', status: 'queued', attempts: 0, createdAt: now().toISOString(), updatedAt: now().toISOString() },
    ]);

    const queue = new RecordingQueue();
    const run = await reconcileAt(start + reconcileAfterInMs + minute, queue);
    expect(run).toMatchObject({ accepted: 1, requeued: 1 });
    expect((await store.getNotification(id))?.state).toBe('accepted');
    expect(queue.messages.map((message) => message.body.conversationId)).toEqual([conversationId]);
  });

  it('does bounded work per run and goes on where it stopped', async () => {
    const targets = await conversations(3);
    const id = await accept({ id: uniqueId('bounded'), targets: targets.map((conversationId) => ({ conversationId })), message: { text: 'b' } }, new RecordingQueue());
    time = start + reconcileAfterInMs + minute;

    const first = await reconcileDueNotifications({ checks, store, queue: new RecordingQueue(), now, maxDeliveriesPerRun: 2 });
    expect(first).toMatchObject({ requeued: 2, budgetReached: true });
    const second = await reconcileDueNotifications({ checks, store, queue: new RecordingQueue(), now, maxDeliveriesPerRun: 2 });
    expect(second).toMatchObject({ requeued: 1, budgetReached: false });
    expect((await deliveriesOf(id)).map((row) => row.reconciliations)).toEqual([1, 1, 1]);
  });

  it('reads a large notification page by page and stops reading once its budget is spent', async () => {
    const id = uniqueId('large');
    const at = now().toISOString();
    await store.createNotification({ id, createdAt: at, state: 'accepted', digest: 'digest', message: { text: 'many' }, revision: 0, deleted: false, updatedAt: at });
    const row = (i: number, status: 'queued' | 'sent'): Parameters<NotificationStore['addDeliveries']>[0][number] => {
      const conversationId = `a:large-${String(i).padStart(5, '0')}`;
      return { notificationId: id, key: conversationId, origin: 'direct', conversationId, conversationType: 'personal', status, attempts: 0, createdAt: at, updatedAt: at };
    };
    // One page of the service is 1,000 rows: 1,001 pending rows and one already sent (filtered out).
    await store.addDeliveries([...Array.from({ length: 1_001 }, (_, i) => row(i, 'queued')), row(1_001, 'sent')]);

    const pageSizes: number[] = [];
    for await (const page of store.pendingDeliveries(id)) pageSizes.push(page.length);
    expect(pageSizes).toEqual([1_000, 1]);

    let pagesRead = 0;
    const counting = Object.assign(Object.create(store) as NotificationStore, {
      async *pendingDeliveries(notificationId: string) {
        for await (const page of store.pendingDeliveries(notificationId)) {
          pagesRead++;
          yield page;
        }
      },
    });
    time = start + reconcileAfterInMs + minute;
    const queue = new RecordingQueue();
    const run = await reconcileDueNotifications({ checks, store: counting, queue, now, maxDeliveriesPerRun: 5 });
    expect(run).toMatchObject({ requeued: 5, budgetReached: true });
    expect(pagesRead).toBe(1);
    expect(queue.messages).toHaveLength(5);
  });
});
