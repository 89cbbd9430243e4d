import { devBot } from '../../../dev/devIdentity';
import { type DeliveryRig, newTenantId, uniqueText, useDeliveryRig } from './deliveryRig';

/**
 * The send and deadLetter functions end to end against the Teams emulator: every accepted delivery ends in
 * exactly one final, visible state (sent with Teams' activity id, or failed / skipped with a classified
 * reason), conversations that are gone are pruned and come back on re-install.
 */
let rig: DeliveryRig;
useDeliveryRig({ maxAttempts: 4 }, (started) => (rig = started));

async function notify(conversationIds: string[], text = uniqueText('Deploy finished'), extra: Record<string, unknown> = {}): Promise<string> {
  const accepted = await rig.notify({ targets: conversationIds.map((conversationId) => ({ conversationId })), message: { text }, ...extra });
  expect(accepted.status).toBe(202);
  return accepted.body.id as string;
}

async function onlyDelivery(notificationId: string) {
  const rows = await rig.deliveries(notificationId);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('delivered', () => {
  it('posts as the bot (from.id 28:<appId>) with the stored reference and records the activity id', async () => {
    const tenantId = newTenantId();
    const chat = await rig.install({ tenantId });
    const text = uniqueText('Deploy finished');
    const id = await notify([chat.conversationId], text);
    await rig.settle();

    const copies = await rig.copies(chat.conversationId);
    expect(copies).toHaveLength(1);
    const copy = copies[0]!;
    expect(copy.text).toBe(text);
    expect(copy.receivedCount).toBe(1);
    expect(copy.activity.from.id).toBe(`28:${devBot.appId}`);
    expect(copy.activity.conversation.id).toBe(chat.conversationId);
    expect(copy.activity.recipient.aadObjectId).toBe(chat.user.aadObjectId);
    expect(copy.activity.channelData.tenant.id).toBe(tenantId);

    expect(await onlyDelivery(id)).toMatchObject({ status: 'sent', activityId: copy.id, attempts: 1 });
    const status = await rig.status(id);
    expect(status.body.counts).toMatchObject({ sent: 1, queued: 0, failed: 0 });
    expect(rig.outcomes).toEqual([expect.objectContaining({ event: 'delivery', notificationId: id, conversationId: chat.conversationId, tenantId, outcome: 'sent', activityId: copy.id })]);
  });

  it('creates the personal chat of a user it has no chat with, from a team of the tenant', async () => {
    const tenantId = newTenantId();
    await rig.install({ tenantId, type: 'channel' });
    // The app is installed for the user, but the gateway never heard of it (gateway unreachable then).
    await rig.control('PUT', '/gateway', { url: 'http://127.0.0.1:9' });
    const user = await rig.control('POST', '/conversations', { type: 'personal', tenantId, user: { aadObjectId: 'c0ffee00-0000-4000-8000-000000000001' } });
    await rig.control('PUT', '/gateway', { url: rig.gateway.url });

    const accepted = await rig.notify({ targets: [{ userId: 'c0ffee00-0000-4000-8000-000000000001', tenantId }], message: { text: uniqueText('Hello') } });
    expect(accepted.status).toBe(202);
    await rig.settle();

    const copies = await rig.copies(user.conversationId as string);
    expect(copies).toHaveLength(1);
    expect(await onlyDelivery(accepted.body.id as string)).toMatchObject({ status: 'sent', conversationId: user.conversationId, activityId: copies[0]!.id });
  });
});

describe('Teams error codes end in the right state and class', () => {
  async function failureOf(conversationId: string) {
    const id = await notify([conversationId]);
    await rig.settle();
    const row = await onlyDelivery(id);
    const line = rig.outcomes.find((o) => o.notificationId === id && (o.outcome === 'failed' || o.outcome === 'skipped'));
    return { id, row, line };
  }

  it('ConversationBlockedByUser: failed (gone), conversation pruned, later notifications skipped, restored when the user writes', async () => {
    const tenantId = newTenantId();
    const chat = await rig.install({ tenantId });
    await rig.control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/block`);

    const { row, line } = await failureOf(chat.conversationId);
    expect(row).toMatchObject({ status: 'failed', failureClass: 'gone', lastError: { status: 403, code: 'ConversationBlockedByUser' } });
    expect(line).toMatchObject({ outcome: 'failed', status: 403, code: 'ConversationBlockedByUser', failureClass: 'gone', tenantId, pruned: true });
    expect(await rig.services.conversationStore.get(chat.conversationId)).toMatchObject({ status: 'removed', removedReason: 'ConversationBlockedByUser' });

    // Known removed at intake: reported, not queued.
    const later = await rig.notify({ targets: [{ conversationId: chat.conversationId }], message: { text: uniqueText('x') } });
    expect(JSON.stringify(later.body)).toContain('ConversationRemoved');

    await rig.control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/unblock`);
    await rig.control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/messages`, { text: 'hi again' });
    expect(await rig.services.conversationStore.get(chat.conversationId)).toMatchObject({ status: 'active' });
    const again = await notify([chat.conversationId]);
    await rig.settle();
    expect(await onlyDelivery(again)).toMatchObject({ status: 'sent' });
  });

  it('BotNotInConversationRoster (uninstalled while the gateway was not told): pruned, restored by re-install', async () => {
    const tenantId = newTenantId();
    const chat = await rig.install({ tenantId });
    await rig.control('PUT', '/gateway', { url: 'http://127.0.0.1:9' });
    await rig.control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/uninstall`);
    await rig.control('PUT', '/gateway', { url: rig.gateway.url });

    const { row, line } = await failureOf(chat.conversationId);
    expect(row).toMatchObject({ status: 'failed', failureClass: 'gone', lastError: { status: 403, code: 'BotNotInConversationRoster' } });
    expect(line).toMatchObject({ code: 'BotNotInConversationRoster', failureClass: 'gone', pruned: true });
    expect(await rig.services.conversationStore.get(chat.conversationId)).toMatchObject({ status: 'removed', removedReason: 'BotNotInConversationRoster' });

    await rig.install({ tenantId, conversationId: chat.conversationId });
    expect(await rig.services.conversationStore.get(chat.conversationId)).toMatchObject({ status: 'active' });
    const again = await notify([chat.conversationId]);
    await rig.settle();
    expect(await onlyDelivery(again)).toMatchObject({ status: 'sent' });
  });

  it('an uninstall Teams announced: the delivery is skipped with the removal reason, nothing is sent', async () => {
    const tenantId = newTenantId();
    const chat = await rig.install({ tenantId });
    const id = await notify([chat.conversationId], uniqueText('scheduled'), { sendAt: new Date(Date.now() + 1_500).toISOString() });
    await rig.control('POST', `/conversations/${encodeURIComponent(chat.conversationId)}/uninstall`);
    await rig.settle();
    expect(await onlyDelivery(id)).toMatchObject({ status: 'skipped', failureClass: 'gone', lastError: { code: 'ConversationRemoved' } });
    expect(rig.outcomes.find((o) => o.notificationId === id)).toMatchObject({ outcome: 'skipped', removalReason: 'installationRemoved' });
    expect(await rig.copies(chat.conversationId)).toHaveLength(0);
  });

  it('ConversationNotFound (deleted chat): failed (gone), pruned', async () => {
    const chat = await rig.install({ tenantId: newTenantId() });
    await rig.control('DELETE', `/conversations/${encodeURIComponent(chat.conversationId)}`);
    const { row } = await failureOf(chat.conversationId);
    expect(row).toMatchObject({ status: 'failed', failureClass: 'gone', lastError: { status: 404, code: 'ConversationNotFound' } });
    expect(await rig.services.conversationStore.get(chat.conversationId)).toMatchObject({ status: 'removed' });
  });

  it('BotDisabledByAdmin: failed (gone), this conversation pruned', async () => {
    const tenantId = newTenantId();
    const chat = await rig.install({ tenantId });
    await rig.control('POST', `/tenants/${tenantId}/disable`);
    const { row } = await failureOf(chat.conversationId);
    expect(row).toMatchObject({ status: 'failed', failureClass: 'gone', lastError: { status: 403, code: 'BotDisabledByAdmin' } });
    expect(await rig.services.conversationStore.get(chat.conversationId)).toMatchObject({ status: 'removed', removedReason: 'BotDisabledByAdmin' });
  });

  it('ForbiddenOperationException (app not installed for the user): failed (gone)', async () => {
    const tenantId = newTenantId();
    await rig.install({ tenantId, type: 'channel' });
    const accepted = await rig.notify({ targets: [{ userId: 'c0ffee00-0000-4000-8000-0000000000aa', tenantId }], message: { text: uniqueText('Hello') } });
    await rig.settle();
    expect(await onlyDelivery(accepted.body.id as string)).toMatchObject({ status: 'failed', failureClass: 'gone', lastError: { status: 403, code: 'ForbiddenOperationException' } });
  });

  it('MessageSizeTooBig: failed (rejected), conversation kept', async () => {
    const chat = await rig.install({ tenantId: newTenantId() });
    await rig.control('PUT', '/limits', { messageSizeLimitInBytes: 1_000 });
    const { row } = await failureOf(chat.conversationId);
    expect(row).toMatchObject({ status: 'failed', failureClass: 'rejected', lastError: { status: 413, code: 'MessageSizeTooBig' } });
    expect(await rig.services.conversationStore.get(chat.conversationId)).toMatchObject({ status: 'active' });
  });

  it.each([
    ['500', 500, 'teamsFault', 'ServiceError'],
    ['503', 503, 'exhausted', 'RetriesExhausted'],
    ['429', 429, 'exhausted', 'RetriesExhausted'],
    ['412', 412, 'exhausted', 'RetriesExhausted'],
    ['401', 401, 'misconfigured', 'RetriesExhausted'],
  ])('a Connector that always answers %s ends failed with HTTP %i, class %s', async (fault, status, failureClass, code) => {
    const chat = await rig.install({ tenantId: newTenantId() });
    await rig.control('PUT', '/faults', { rates: { [fault]: 1 } });
    const { row } = await failureOf(chat.conversationId);
    await rig.control('PUT', '/faults', {});
    expect(row).toMatchObject({ status: 'failed', failureClass, lastError: { status, code } });
    expect(row.attempts).toBe(code === 'RetriesExhausted' ? 4 : 1);
    expect(await rig.services.conversationStore.get(chat.conversationId)).toMatchObject({ status: 'active' });
  });

  it('Expired: retries that outlast expiresAt end failed (expired)', async () => {
    const chat = await rig.install({ tenantId: newTenantId() });
    await rig.control('PUT', '/faults', { rates: { '503': 1 } });
    const id = await notify([chat.conversationId], uniqueText('short-lived'), { expiresAt: new Date(Date.now() + 400).toISOString() });
    rig.services.config.delivery.backoffBaseInMs = 300;
    // Attempts must not run out before the clock does, however slow the machine.
    const maxAttempts = rig.services.config.delivery.maxAttempts;
    rig.services.config.delivery.maxAttempts = 1000;
    try {
      await rig.settle();
    } finally {
      rig.services.config.delivery.backoffBaseInMs = 50;
      rig.services.config.delivery.maxAttempts = maxAttempts;
      await rig.control('PUT', '/faults', {});
    }
    expect(await onlyDelivery(id)).toMatchObject({ status: 'failed', failureClass: 'expired', lastError: { code: 'Expired' } });
  });
});

describe('clouds, tokens and throttling', () => {
  it('reaches a GCC tenant after 403 InvalidBotApiHost and goes there directly afterwards', async () => {
    const tenantId = newTenantId();
    const chat = await rig.install({ tenantId });
    await rig.control('PUT', `/tenants/${tenantId}`, { cloud: 'gcc' });

    const first = await notify([chat.conversationId]);
    await rig.settle();
    expect(await onlyDelivery(first)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(rig.outcomes.filter((o) => o.notificationId === first).map((o) => [o.outcome, o.code])).toEqual([
      ['retrying', 'InvalidBotApiHost'],
      ['sent', undefined],
    ]);
    const gccServiceUrl = rig.services.config.gccServiceUrl;
    expect(new URL(gccServiceUrl).pathname).toBe('/gcc/');
    expect(await rig.services.conversationStore.get(chat.conversationId)).toMatchObject({ serviceUrlOverride: gccServiceUrl });

    const second = await notify([chat.conversationId]);
    await rig.settle();
    expect(await onlyDelivery(second)).toMatchObject({ status: 'sent', attempts: 1 });
    const copies = await rig.copies(chat.conversationId);
    expect(copies).toHaveLength(2);
    expect(copies.every((c) => c.activity.serviceUrl === gccServiceUrl)).toBe(true);
  });

  it('tokens expiring mid-run (3 s lifetime) cost no delivery', async () => {
    await rig.control('PUT', '/limits', { tokenLifetimeInSeconds: 3 });
    await rig.services.tokens.forceRefresh();
    const tenantId = newTenantId();
    const chats = [await rig.install({ tenantId }), await rig.install({ tenantId })];
    const ids: string[] = [];
    // Waves over ~6 s: several tokens expire while deliveries run.
    for (let wave = 0; wave < 5; wave++) {
      ids.push(await notify(chats.map((c) => c.conversationId), uniqueText(`wave ${wave}`), { sendAt: new Date(Date.now() + wave * 1_500).toISOString() }));
    }
    await rig.settle();
    const rows = (await Promise.all(ids.map(async (id) => rig.deliveries(id)))).flat();
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(rig.outcomes.filter((o) => o.outcome === 'failed')).toHaveLength(0);
    expect((await rig.stats()).tokensIssued).toBeGreaterThanOrEqual(3);
  });

  it('obeys a 429 storm: the tenant cools down, every delivery arrives once, none runs out of attempts', async () => {
    const tenantId = newTenantId();
    const chats = await Promise.all(Array.from({ length: 12 }, async () => rig.install({ tenantId })));
    // Teams allows this tenant 6 requests a second; the gateway paces for 40.
    await rig.control('PUT', '/limits', { tenant: [{ limit: 6, periodInSeconds: 1 }] });
    const id = await notify(chats.map((c) => c.conversationId));
    await rig.settle();

    const rows = await rig.deliveries(id);
    expect(rows.map((r) => r.status)).toEqual(Array(12).fill('sent'));
    const stats = await rig.stats();
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats.duplicates).toBe(0);
    // Retry-After was waited out (a gateway that ignored it would burn its 4 attempts on 429s).
    expect(Math.max(...rows.map((r) => r.attempts))).toBeLessThan(4);
    for (const chat of chats) expect((await rig.copies(chat.conversationId)).map((c) => c.receivedCount)).toEqual([1]);
  });
});

describe('PATCH and DELETE reach the sent copies', () => {
  it('updates then deletes every copy by its activity id', async () => {
    const tenantId = newTenantId();
    const chats = [await rig.install({ tenantId }), await rig.install({ tenantId }), await rig.install({ tenantId, type: 'channel' })];
    const id = await notify(chats.map((c) => c.conversationId), 'Deploy started');
    await rig.settle();

    expect((await rig.patch(id, { message: { text: 'Deploy finished' } })).status).toBe(202);
    await rig.settle();
    for (const chat of chats) {
      const [copy] = await rig.copies(chat.conversationId);
      expect(copy).toMatchObject({ text: 'Deploy finished', updateCount: 1, deleted: false });
    }
    const rows = await rig.deliveries(id);
    expect(rows.map((r) => r.lastOperation)).toEqual(Array(3).fill(expect.objectContaining({ operation: 'update', revision: 1, status: 'sent' })));

    expect((await rig.remove(id)).status).toBe(202);
    await rig.settle();
    for (const chat of chats) expect((await rig.copies(chat.conversationId)).map((c) => c.deleted)).toEqual([true]);
    expect((await rig.deliveries(id)).map((r) => r.lastOperation?.operation)).toEqual(['delete', 'delete', 'delete']);
    expect(rig.outcomes.filter((o) => o.notificationId === id).map((o) => o.outcome).sort()).toEqual(
      ['deleted', 'deleted', 'deleted', 'sent', 'sent', 'sent', 'updated', 'updated', 'updated'].sort(),
    );
  });

  it('an update queued while the send is still retrying lands after it', async () => {
    const chat = await rig.install({ tenantId: newTenantId() });
    await rig.control('PUT', '/faults', { rates: { '503': 1 } });
    const id = await notify([chat.conversationId], 'v1');
    // Let the first attempt fail and its retry be scheduled, then update.
    await rig.bus.waitForIdle();
    expect((await rig.patch(id, { message: { text: 'v2' } })).status).toBe(202);
    await rig.control('PUT', '/faults', {});
    await rig.settle();
    const copies = await rig.copies(chat.conversationId);
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ text: 'v2', receivedCount: 1 });
    expect(await onlyDelivery(id)).toMatchObject({ status: 'sent', lastOperation: { operation: 'update', status: 'sent' } });
  });
});
