import { type DeliveryRig, newTenantId, uniqueText, useDeliveryRig } from './deliveryRig';

/**
 * A settlement the host refuses (its gRPC channel down, a lost lock) makes Service Bus redeliver a message
 * whose work is done. The send function records a delivery's final state before settling, so the redelivery
 * finds it and asks Teams nothing: no second post, the classified reason kept (not MaxDeliveryCountExceeded),
 * a conversation that is gone still pruned, and one outcome line.
 */
let rig: DeliveryRig;
useDeliveryRig({ maxAttempts: 4 }, (started) => (rig = started));

async function notify(conversationId: string): Promise<string> {
  const accepted = await rig.notify({ targets: [{ conversationId }], message: { text: uniqueText('Deploy finished') } });
  expect(accepted.status).toBe(202);
  return accepted.body.id as string;
}

describe('a settlement the host refuses', () => {
  it('dead-letter refused: the redelivery asks Teams nothing, the delivery stays failed (gone) and the chat is pruned', async () => {
    const tenantId = newTenantId();
    const chat = await rig.install({ tenantId });
    await rig.control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/block`);
    rig.refuseSendSettlement('deadletter');

    const id = await notify(chat.conversationId);
    await rig.settle();

    expect(rig.handlerErrors.map((e) => e.message)).toContain('13 INTERNAL: the test host refuses deadletter');
    expect(await rig.postCount()).toBe(1);
    const [row] = await rig.deliveries(id);
    expect(row).toMatchObject({ status: 'failed', failureClass: 'gone', attempts: 1, lastError: { status: 403, code: 'ConversationBlockedByUser' } });
    expect(await rig.services.conversationStore.get(chat.conversationId)).toMatchObject({ status: 'removed', removedReason: 'ConversationBlockedByUser' });
    const lines = rig.outcomes.filter((o) => o.notificationId === id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ outcome: 'failed', code: 'ConversationBlockedByUser', failureClass: 'gone', pruned: true, tenantId });
  });

  it('dead-letter refused once, then made: the deadLetter function finds the state recorded and changes nothing', async () => {
    const chat = await rig.install({ tenantId: newTenantId() });
    await rig.control('PUT', '/limits', { messageSizeLimitInBytes: 1_000 });
    rig.refuseSendSettlement('deadletter', 1);

    const accepted = await rig.notify({ targets: [{ conversationId: chat.conversationId }], message: { text: `${uniqueText('big')} ${'x'.repeat(2_000)}` } });
    expect(accepted.status).toBe(202);
    const id = accepted.body.id as string;
    await rig.settle();

    expect(await rig.postCount()).toBe(1);
    expect((await rig.deliveries(id))[0]).toMatchObject({ status: 'failed', failureClass: 'rejected', lastError: { status: 413, code: 'MessageSizeTooBig' } });
    expect(rig.outcomes.filter((o) => o.notificationId === id)).toHaveLength(1);
    expect(await rig.services.conversationStore.get(chat.conversationId)).toMatchObject({ status: 'active' });
  });

  it('complete refused after the post: the redelivery finds the copy sent and posts nothing more', async () => {
    const chat = await rig.install({ tenantId: newTenantId() });
    rig.refuseSendSettlement('complete', 1);

    const id = await notify(chat.conversationId);
    await rig.settle();

    expect(rig.handlerErrors.map((e) => e.message)).toContain('13 INTERNAL: the test host refuses complete');
    const copies = await rig.copies(chat.conversationId);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.receivedCount).toBe(1);
    expect(await rig.postCount()).toBe(1);
    expect((await rig.deliveries(id))[0]).toMatchObject({ status: 'sent', activityId: copies[0]!.id });
  });
});
