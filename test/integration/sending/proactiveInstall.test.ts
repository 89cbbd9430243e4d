import { randomUUID } from 'node:crypto';

import { schemaProblems } from '../../unit/notifications/openApiSchemaCheck';
import { type DeliveryRig, newTenantId, uniqueText, useDeliveryRig } from './deliveryRig';

/**
 * Proactive installation (ProactiveInstallation=true) end to end against the Teams emulator playing Microsoft
 * Graph: a user of a known tenant who never installed the app gets it installed, Teams' install events store
 * the chat, and the copy is sent there; Graph's refusals end classified, its 429s are waited out.
 */
let rig: DeliveryRig;
beforeAll(() => {
  // Read when the rig builds the gateway's services (its own env is restored when it closes).
  process.env.ProactiveInstallation = 'true';
});
useDeliveryRig({ maxAttempts: 4 }, (started) => (rig = started));

/** A tenant the gateway knows (one user installed the app) and a directory user who never did. */
async function tenantWithNewUser(): Promise<{ tenantId: string; userId: string }> {
  const tenantId = newTenantId();
  await rig.install({ tenantId });
  const userId = randomUUID();
  await rig.control('POST', `/tenants/${tenantId}/users`, { aadObjectId: userId, name: 'Adele Vance' });
  return { tenantId, userId };
}

async function notifyUser(tenantId: string, userId: string, text = uniqueText('Org-wide notice')): Promise<string> {
  const accepted = await rig.notify({ targets: [{ userId, tenantId }], message: { text } });
  expect(accepted.status).toBe(202);
  expect(accepted.body.unresolved).toEqual([]);
  return accepted.body.id as string;
}

async function onlyDelivery(notificationId: string) {
  const rows = await rig.deliveries(notificationId);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function personalChatOf(tenantId: string, userId: string): Promise<{ conversationId: string } | undefined> {
  const { conversations } = (await rig.control('GET', '/conversations')) as { conversations: { conversationId: string; type: string; tenantId: string; user: { aadObjectId: string } }[] };
  const chat = conversations.find((c) => c.type === 'personal' && c.tenantId === tenantId && c.user.aadObjectId === userId);
  return chat === undefined ? undefined : { conversationId: chat.conversationId };
}

function installRequests(stats: { requests: Record<string, Record<string, number>> }): Record<string, number> {
  return stats.requests['POST /graph/v1.0/users/{userId}/teamwork/installedApps'] ?? {};
}

describe('a user who never installed the app', () => {
  it('gets the app installed through Graph, shows `installing`, then receives the copy in the chat the install opened', async () => {
    const { tenantId, userId } = await tenantWithNewUser();
    const text = uniqueText('Org-wide notice');
    const id = await notifyUser(tenantId, userId, text);

    // The copy waits for Teams' install events; meanwhile the status says so.
    let seen: unknown;
    for (let i = 0; i < 200 && seen === undefined; i++) {
      const status = await rig.status(id);
      seen = (status.body.deliveries as { installation?: { status: string } }[])[0]?.installation;
      if (seen === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(seen).toMatchObject({ status: 'installing' });
    await rig.settle();

    const chat = await personalChatOf(tenantId, userId);
    expect(chat).toBeDefined();
    const copies = await rig.copies(chat!.conversationId);
    expect(copies.map((c) => c.text)).toEqual([text]);
    expect(await onlyDelivery(id)).toMatchObject({ status: 'sent', conversationId: chat!.conversationId, attempts: 1, installation: { status: 'installed' } });
    // Teams' installationUpdate was stored: the gateway now knows the chat itself.
    expect(await rig.services.conversationStore.findPersonal(tenantId, userId)).toMatchObject({ conversationId: chat!.conversationId, status: 'active' });
    expect(installRequests(await rig.stats())).toEqual({ 201: 1 });
    expect(rig.outcomes.filter((o) => o.notificationId === id).map((o) => o.outcome)).toEqual(['sent']);
    const status = await rig.status(id);
    expect(status.body.deliveries[0]).toMatchObject({ status: 'sent', installation: { status: 'installed' } });
    expect(schemaProblems('NotificationStatus', status.body)).toEqual([]);
  });

  it('a second notification goes straight to the stored chat, with no Graph call', async () => {
    const { tenantId, userId } = await tenantWithNewUser();
    await notifyUser(tenantId, userId);
    await rig.settle();
    const second = await notifyUser(tenantId, userId);
    await rig.settle();
    expect(await onlyDelivery(second)).toMatchObject({ status: 'sent' });
    expect(installRequests(await rig.stats())).toEqual({ 201: 1 });
  });

  it('already installed but unknown to the gateway: Graph answers 409, the chat is created at once', async () => {
    const tenantId = newTenantId();
    await rig.install({ tenantId });
    const userId = randomUUID();
    // Installed while the gateway was unreachable: Teams has the chat, the gateway never heard of it.
    await rig.control('PUT', '/gateway', { url: 'http://127.0.0.1:9' });
    const installed = (await rig.control('POST', '/conversations', { type: 'personal', tenantId, user: { aadObjectId: userId } })) as { conversationId: string };
    await rig.control('PUT', '/gateway', { url: rig.gateway.url });

    const id = await notifyUser(tenantId, userId);
    await rig.settle();
    const row = await onlyDelivery(id);
    expect(row).toMatchObject({ status: 'sent', conversationId: installed.conversationId });
    expect(row.installation).toBeUndefined();
    expect(installRequests(await rig.stats())).toEqual({ 409: 1 });
  });

  it('the install events never arrive: the chat is created with the Connector once the app is installed', async () => {
    const { tenantId, userId } = await tenantWithNewUser();
    await rig.control('PUT', '/gateway', { url: 'http://127.0.0.1:9' });
    const id = await notifyUser(tenantId, userId);
    await rig.settle();
    const chat = await personalChatOf(tenantId, userId);
    expect(await onlyDelivery(id)).toMatchObject({ status: 'sent', conversationId: chat!.conversationId, installation: { status: 'installed' } });
  });

  it('Graph 429 with Retry-After is waited out like a Connector 429, then the install goes through', async () => {
    const { tenantId, userId } = await tenantWithNewUser();
    await rig.control('PUT', '/graph', { throttleNext: 2, retryAfterSeconds: 1 });
    const id = await notifyUser(tenantId, userId);
    await rig.settle();
    expect(await onlyDelivery(id)).toMatchObject({ status: 'sent', attempts: 3, installation: { status: 'installed' } });
    expect(installRequests(await rig.stats())).toEqual({ 429: 2, 201: 1 });
    const retries = rig.outcomes.filter((o) => o.notificationId === id && o.outcome === 'retrying');
    expect(retries).toHaveLength(2);
    expect(retries.every((o) => o.status === 429)).toBe(true);
  });
});

describe('Graph refuses the install: final, classified, nothing sent', () => {
  it.each([
    ['no admin consent for the permission', { permissionGranted: false }, 403, 'GraphPermissionMissing', 'misconfigured'],
    ["the tenant's app policy blocks the app", { appBlocked: true }, 403, 'AppBlockedByPolicy', 'rejected'],
  ])('%s: failed (%s)', async (_why, behaviour, status, code, failureClass) => {
    const { tenantId, userId } = await tenantWithNewUser();
    await rig.control('PUT', '/graph', behaviour);
    const id = await notifyUser(tenantId, userId);
    await rig.settle();
    expect(await onlyDelivery(id)).toMatchObject({ status: 'failed', failureClass, lastError: { status, code } });
    expect(await personalChatOf(tenantId, userId)).toBeUndefined();
    expect(rig.outcomes.filter((o) => o.notificationId === id)).toEqual([expect.objectContaining({ outcome: 'failed', code, failureClass, status })]);
  });

  it('a user who is not in the tenant: failed (gone) UserNotFound', async () => {
    const tenantId = newTenantId();
    await rig.install({ tenantId });
    const id = await notifyUser(tenantId, randomUUID());
    await rig.settle();
    expect(await onlyDelivery(id)).toMatchObject({ status: 'failed', failureClass: 'gone', lastError: { status: 404, code: 'UserNotFound' } });
  });

  it('an unlicensed user: failed (gone) UserNotFound', async () => {
    const { tenantId, userId } = await tenantWithNewUser();
    await rig.control('PUT', '/graph', { unlicensedUsers: [userId] });
    const id = await notifyUser(tenantId, userId);
    await rig.settle();
    expect(await onlyDelivery(id)).toMatchObject({ status: 'failed', failureClass: 'gone', lastError: { status: 404, code: 'UserNotFound' } });
  });
});
