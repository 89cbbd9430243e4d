import { runFanOutStep } from '../../../shared/notifications/intake/tenantFanOut';
import { newTenantId, NotificationRig, seedConversation, useGatewayEnvironment } from './notificationRig';

/**
 * A tenant's sends reach the queue spread over the time Teams takes them (tenantSendSpread.ts): through the
 * POST handler as deployed, and page after page of a fan-out. The queue is the in-process Service Bus on a
 * manual clock, so "scheduled" is Service Bus's own count of messages not yet visible.
 */
useGatewayEnvironment();

let rig: NotificationRig;
beforeEach(() => {
  rig = new NotificationRig();
});
afterEach(async () => rig.close());

/** `count` group chats of one new tenant, stored. */
async function seedChats(count: number): Promise<{ conversationId: string }[]> {
  const services = await rig.services();
  const tenantId = newTenantId();
  return Promise.all(Array.from({ length: count }, async () => seedConversation(services, { tenantId, scope: 'groupChat' })));
}

describe('spreading a tenant’s sends on the queue', () => {
  it('queues a tenant’s first 50 copies of a 60-conversation POST at once and the rest at 49.25 a second, each once', async () => {
    const chats = await seedChats(60);

    const response = await rig.post({ targets: chats.map((chat) => ({ conversationId: chat.conversationId })), message: { text: 'spread' } });

    expect(response.status).toBe(202);
    expect(rig.bus.getCounts()).toMatchObject({ active: 50, scheduled: 10 });
    expect(await rig.drainQueue()).toHaveLength(50);
    // Copy k is due k / 49.25 s after the POST and comes 500 ms early: copy 50 at 515 ms, the last (59) at 697.
    await rig.clock.advanceBy(514);
    expect(await rig.drainQueue()).toHaveLength(50);
    await rig.clock.advanceBy(1);
    expect(await rig.drainQueue()).toHaveLength(51);
    await rig.clock.advanceBy(182);
    const seen = await rig.drainQueue();
    expect(seen.map((m) => m.body.conversationId).sort()).toEqual(chats.map((chat) => chat.conversationId).sort());
    expect(rig.bus.getCounts()).toMatchObject({ scheduled: 0 });
  });

  it('spreads from when the copies are queued, not from the request, when resolving the targets takes a while', async () => {
    const services = await rig.services();
    const chats = await seedChats(60);
    // A large request's reads and row writes take a second or two; here the clock moves 1.5 s on the first read.
    const store = services.conversationStore;
    const get = store.get.bind(store);
    let slow = true;
    jest.spyOn(store, 'get').mockImplementation(async (conversationId) => {
      if (slow) {
        slow = false;
        await rig.clock.advanceBy(1_500);
      }
      return get(conversationId);
    });

    const response = await rig.post({ targets: chats.map((chat) => ({ conversationId: chat.conversationId })), message: { text: 'late' } });

    expect(response.status).toBe(202);
    // Spread from the request, the copies due by 1.5 s (all 60) would have come in one heap.
    expect(rig.bus.getCounts()).toMatchObject({ active: 50, scheduled: 10 });
  });

  it('spreads each fan-out page after the pages before it, and a repeated page is still dropped as a duplicate', async () => {
    const services = await rig.services();
    const tenantId = newTenantId();
    await Promise.all([1, 2, 3, 4].map(async () => seedConversation(services, { tenantId, scope: 'groupChat' })));
    const response = await rig.post({ targets: [{ tenantId, scope: 'groupChat' }], message: { text: 'paged' } });
    const fanOut = {
      notifications: services.notificationStore,
      audience: services.tenantAudience,
      queue: services.deliveryQueue,
      now: services.now,
      pageSize: 2,
      spread: { perTenantPerSecond: 1, leadInMs: 0 },
    };
    const step = { targetIndex: 0, tenantId, scope: 'groupChat' as const, page: 0 };
    const first = { version: 1 as const, notificationId: String(response.body.id), operation: 'fanOut' as const, attempt: 1, revision: 0, fanOut: step };
    const { continuationToken } = await services.tenantAudience.page(tenantId, 'groupChat', { pageSize: 2 });

    await runFanOutStep(first, fanOut);
    await runFanOutStep({ ...first, fanOut: { ...step, page: 1, ...(continuationToken === undefined ? {} : { continuationToken }) } }, fanOut);

    // At one a second: page 0's copies at 0 and 1 s, page 1's at 2 and 3 s.
    expect(rig.bus.getCounts().scheduled).toBe(3);
    // The chain's own messages run the same pages again (unspread here): their sends are duplicates, dropped.
    expect(await rig.drainQueue()).toHaveLength(1);
    await rig.clock.advanceBy(1_000);
    expect(await rig.drainQueue()).toHaveLength(2);
    await rig.clock.advanceBy(1_999);
    expect(await rig.drainQueue()).toHaveLength(3);
    await rig.clock.advanceBy(1);
    expect(await rig.drainQueue()).toHaveLength(4);
  });
});
