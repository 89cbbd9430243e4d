import { randomUUID } from 'node:crypto';

import { devTeamsAppId } from '../../../dev/devIdentity';
import { botToken, control, requestJson, useEmulatorRig } from './emulatorFixture';

/** The emulator's Microsoft Graph slice for proactive installation, as the gateway's Graph client meets it. */
const rig = useEmulatorRig();

/** An app-only Graph token from the tenant's own authority (where the admin consented). */
const graphToken = async (tenantId: string): Promise<string> => botToken(rig.emulator, { scope: 'https://graph.microsoft.com/.default' }, tenantId);

async function directoryUser(tenantId: string): Promise<string> {
  const userId = randomUUID();
  expect((await control(rig.emulator, 'POST', `/tenants/${tenantId}/users`, { aadObjectId: userId })).status).toBe(201);
  return userId;
}

function install(userId: string, token: string, teamsAppId = devTeamsAppId) {
  return requestJson(
    `${rig.emulator.url}/graph/v1.0/users/${userId}/teamwork/installedApps`,
    'POST',
    { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${teamsAppId}` },
    { authorization: `Bearer ${token}` },
  );
}

async function eventsDelivered(count: number): Promise<void> {
  for (let i = 0; i < 200 && rig.gateway.received.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

it('installs the app for a user (201), announces it to the gateway after answering, and answers 409 when repeated', async () => {
  const tenantId = randomUUID();
  const userId = await directoryUser(tenantId);
  const token = await graphToken(tenantId);

  const first = await install(userId, token);
  expect(first.status).toBe(201);
  await eventsDelivered(2);
  expect(rig.gateway.received.map((r) => r.activity.type)).toEqual(['installationUpdate', 'conversationUpdate']);
  const event = rig.gateway.received[0]!.activity;
  expect(event).toMatchObject({ action: 'add', conversation: { conversationType: 'personal', tenantId }, from: { aadObjectId: userId } });
  expect(rig.gateway.received[0]!.headers.authorization).toMatch(/^Bearer /);

  const again = await install(userId, token);
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('Conflict');

  const listed = await requestJson(
    `${rig.emulator.url}/graph/v1.0/users/${userId}/teamwork/installedApps?$expand=teamsAppDefinition&$filter=${encodeURIComponent(`teamsApp/id eq '${devTeamsAppId}'`)}`,
    'GET',
    undefined,
    { authorization: `Bearer ${token}` },
  );
  expect(listed.status).toBe(200);
  expect(listed.body.value).toHaveLength(1);
  const chat = await requestJson(`${rig.emulator.url}/graph/v1.0/users/${userId}/teamwork/installedApps/${listed.body.value[0].id}/chat`, 'GET', undefined, {
    authorization: `Bearer ${token}`,
  });
  expect(chat.body).toMatchObject({ id: event.conversation.id, chatType: 'oneOnOne' });
});

it('refuses a Bot Connector token (audience) with 401', async () => {
  const tenantId = randomUUID();
  const userId = await directoryUser(tenantId);
  const connectorToken = await botToken(rig.emulator);
  const answer = await install(userId, connectorToken);
  expect(answer.status).toBe(401);
  expect(answer.body.error.code).toBe('InvalidAuthenticationToken');
});

it('answers Graph errors: no consent 403, policy 403, unknown user 404, app not in catalog 404, throttled 429 with Retry-After', async () => {
  const tenantId = randomUUID();
  const userId = await directoryUser(tenantId);
  const token = await graphToken(tenantId);

  await control(rig.emulator, 'PUT', '/graph', { permissionGranted: false });
  expect((await install(userId, token)).body.error.message).toMatch(/Missing role permissions/);
  await control(rig.emulator, 'PUT', '/graph', { permissionGranted: true, appBlocked: true });
  const blocked = await install(userId, token);
  expect([blocked.status, blocked.body.error.message]).toEqual([403, expect.stringMatching(/blocked/)]);
  await control(rig.emulator, 'PUT', '/graph', { appBlocked: false });

  const stranger = await install(randomUUID(), token);
  expect(stranger.status).toBe(404);
  // Users are per tenant: a token of another tenant does not see this one's users.
  expect((await install(userId, await graphToken(randomUUID()))).status).toBe(404);
  const otherApp = await install(userId, token, randomUUID());
  expect([otherApp.status, otherApp.body.error.message]).toEqual([404, expect.stringMatching(/app catalog/)]);

  await control(rig.emulator, 'PUT', '/graph', { throttleNext: 1, retryAfterSeconds: 7 });
  const throttled = await install(userId, token);
  expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '7']);
  expect((await install(userId, token)).status).toBe(201);
});
