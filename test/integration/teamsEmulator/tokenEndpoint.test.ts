import { ClientSecretCredential } from '@azure/identity';
import { ConnectorClient } from 'botframework-connector';
import { decode } from 'jsonwebtoken';

import { devBot, devTenantId } from '../../../dev/devIdentity';
import { botFrameworkTenantId } from '../../../dev/teamsEmulator/entraTokenEndpoint';
import { startTeamsEmulator, type TeamsEmulator } from '../../../dev/teamsEmulator/teamsEmulator';
import { botMessage, control, createConversation, requestJson } from './emulatorFixture';

const scope = 'https://api.botframework.com/.default';

let emulator: TeamsEmulator;

beforeAll(async () => {
  emulator = await startTeamsEmulator({ port: 0, gatewayUrl: 'http://127.0.0.1:9' });
});

afterAll(async () => {
  await emulator.close();
});

afterEach(async () => {
  await control(emulator, 'POST', '/reset');
});

function credential(tenantId = 'botframework.com', secret: string = devBot.appPassword): ClientSecretCredential {
  return new ClientSecretCredential(tenantId, devBot.appId, secret, { authorityHost: emulator.url, disableInstanceDiscovery: true });
}

describe('the Entra-style token endpoint', () => {
  it('gives @azure/identity a Bot Framework token, unmodified, through the multi-tenant authority', async () => {
    const token = await credential().getToken(scope);
    const claims = decode(token.token, { json: true });
    expect(claims).toMatchObject({ aud: 'https://api.botframework.com', appid: devBot.appId, azp: devBot.appId, tid: botFrameworkTenantId });
    expect((claims?.exp ?? 0) - (claims?.iat ?? 0)).toBe(3600);
  });

  it('serves a single-tenant authority with that tenant as tid', async () => {
    const token = await credential(devTenantId).getToken(scope);
    expect(decode(token.token, { json: true })?.tid).toBe(devTenantId);
  });

  it('makes @azure/identity fail on a wrong secret with AADSTS7000215', async () => {
    await expect(credential('botframework.com', 'wrong-secret').getToken(scope)).rejects.toThrow(/AADSTS7000215/);
  });

  it('issues tokens with the lifetime set through the control API', async () => {
    const limits = await control(emulator, 'PUT', '/limits', { tokenLifetimeInSeconds: 90 });
    expect(limits.body.tokenLifetimeInSeconds).toBe(90);
    const claims = decode((await credential().getToken(scope)).token, { json: true });
    expect((claims?.exp ?? 0) - (claims?.iat ?? 0)).toBe(90);
  });

  it('answers temporarily_unavailable as AAD does when the fault is on', async () => {
    expect((await control(emulator, 'PUT', '/faults', { token: { temporarily_unavailable: 1 } })).status).toBe(200);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: devBot.appId, client_secret: devBot.appPassword, scope });
    const reply = await requestJson(`${emulator.url}/botframework.com/oauth2/v2.0/token`, 'POST', form.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ error: 'temporarily_unavailable', error_codes: [90033] });
    expect((await control(emulator, 'GET', '/stats')).body.faults).toEqual({ temporarily_unavailable: 1 });
  });

  it('answers instance discovery for its own host', async () => {
    const reply = await requestJson(`${emulator.url}/common/discovery/instance?api-version=1.1`, 'GET');
    expect(reply.body.metadata[0].aliases).toEqual([new URL(emulator.url).host]);
  });

  it("lets botframework-connector's ConnectorClient send with an @azure/identity token, as the gateway does", async () => {
    const { token } = await credential().getToken(scope);
    type Credentials = ConstructorParameters<typeof ConnectorClient>[0];
    const bearer: Credentials = {
      signRequest: (request) => {
        request.headers.set('Authorization', `Bearer ${token}`);
        return Promise.resolve(request);
      },
    };
    const created = await createConversation(emulator, { type: 'personal' });
    const client = new ConnectorClient(bearer, { baseUri: created.serviceUrl });
    const sent = await client.conversations.sendToConversation(created.conversationId, botMessage('from the real client'));
    expect(sent.id).toMatch(/^\d{13,}$/);
    const members = await client.conversations.getConversationMembers(created.conversationId);
    expect(members.map((m) => m.id)).toEqual([created.user.id]);
  });
});
