import {
  AuthenticationConfiguration,
  type BotFrameworkAuthentication,
  BotFrameworkAuthenticationFactory,
  PasswordServiceClientCredentialFactory,
} from 'botframework-connector';
import { decode } from 'jsonwebtoken';

import { devBot } from '../../../dev/devIdentity';
import { type ChannelTokenForgery } from '../../../dev/teamsEmulator/channelTokenIssuer';
import { startTeamsEmulator, type TeamsEmulator } from '../../../dev/teamsEmulator/teamsEmulator';
import { control, createConversation, requestJson, startCaptureGateway } from './emulatorFixture';

/**
 * The emulator's channel tokens must validate exactly as the gateway validates them: with botframework-connector's
 * own code, configured from the settings that point the gateway at the emulator.
 */
function botFrameworkAuthentication(openIdMetadataUrl: string, loginUrl: string): BotFrameworkAuthentication {
  return BotFrameworkAuthenticationFactory.create(
    '',
    true,
    loginUrl,
    'https://api.botframework.com',
    'https://api.botframework.com',
    'https://api.botframework.com',
    openIdMetadataUrl,
    openIdMetadataUrl,
    'urn:botframework:azure',
    new PasswordServiceClientCredentialFactory(devBot.appId, devBot.appPassword),
    new AuthenticationConfiguration(),
  );
}

let emulator: TeamsEmulator;
let auth: BotFrameworkAuthentication;

beforeAll(async () => {
  emulator = await startTeamsEmulator({ port: 0 });
  const settings = emulator.gatewaySettings();
  auth = botFrameworkAuthentication(settings.ToBotFromChannelOpenIdMetadataUrl ?? '', settings.ToChannelFromBotLoginUrl ?? '');
  // botframework-connector logs each refused token; the refusals are what these tests expect.
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterAll(async () => {
  await emulator.close();
  jest.restoreAllMocks();
});

type InboundActivity = Parameters<BotFrameworkAuthentication['authenticateRequest']>[0];

function teamsActivity(serviceUrl: string): InboundActivity {
  return { type: 'message', channelId: 'msteams', serviceUrl, conversation: { id: 'a:1x' }, recipient: { id: `28:${devBot.appId}` } } as InboundActivity;
}

describe('channel tokens to the bot', () => {
  it('serves OpenID metadata whose JWKS keys carry kid, n, e and endorsements', async () => {
    const metadata = await requestJson(`${emulator.url}/v1/.well-known/openidconfiguration`, 'GET');
    expect(metadata.body).toMatchObject({ issuer: 'https://api.botframework.com', jwks_uri: `${emulator.url}/v1/.well-known/keys` });
    const jwks = await requestJson(metadata.body.jwks_uri, 'GET');
    const keys = jwks.body.keys as { kid: string; n: string; e: string; kty: string; endorsements: string[] }[];
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'RSA', e: 'AQAB' });
      expect(key.n.length).toBeGreaterThan(300);
    }
    expect(keys.filter((k) => k.endorsements.includes('msteams'))).toHaveLength(1);
  });

  it('signs RS256 tokens as the Bot Connector does (iss, aud, serviceurl, nbf/exp, kid)', async () => {
    const token = await emulator.signChannelToken(emulator.publicServiceUrl);
    const decoded = decode(token, { complete: true });
    expect(decoded?.header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(typeof decoded?.header.kid).toBe('string');
    const payload = decoded?.payload as Record<string, number | string>;
    expect(payload).toMatchObject({ iss: 'https://api.botframework.com', aud: devBot.appId, serviceurl: emulator.publicServiceUrl });
    expect(Number(payload.exp) - Number(payload.nbf)).toBe(3600);
  });

  it("validates with botframework-connector's own authentication", async () => {
    const token = await emulator.signChannelToken(emulator.publicServiceUrl);
    const result = await auth.authenticateRequest(teamsActivity(emulator.publicServiceUrl), `Bearer ${token}`);
    expect(result.claimsIdentity.isAuthenticated).toBe(true);
    expect(result.claimsIdentity.getClaimValue('aud')).toBe(devBot.appId);
  });

  const forgeries: [string, ChannelTokenForgery][] = [
    ['expired past the 5-minute skew', { expired: true }],
    ['not valid before an hour from now', { notBeforeInFuture: true }],
    ['for another audience', { audience: '00000000-0000-4000-8000-000000000000' }],
    ['from another issuer', { issuer: 'https://sts.windows.net/evil/' }],
    ['signed with a key not endorsed for msteams', { unendorsedKey: true }],
    ['signed with a key the JWKS does not list', { unknownKey: true }],
    ['for another serviceUrl', { serviceUrlClaim: 'https://smba.trafficmanager.net/amer/' }],
    ['without a serviceurl claim', { serviceUrlClaim: null }],
  ];

  it.each(forgeries)('rejects a token %s', async (_case, forge) => {
    const token = await emulator.signChannelToken(emulator.publicServiceUrl, forge);
    // botframework-connector answers most refusals with an AuthenticationError (401) and rethrows jsonwebtoken's own.
    await expect(auth.authenticateRequest(teamsActivity(emulator.publicServiceUrl), `Bearer ${token}`)).rejects.toBeInstanceOf(Error);
  });

  it('rotates the signing key, keeping the old one listed', async () => {
    // Its own emulator: validators that cached the old key set would refuse the new kid for up to an hour.
    const emulator = await startTeamsEmulator({ port: 0 });
    const before = decode(await emulator.signChannelToken(emulator.gccServiceUrl), { complete: true })?.header.kid;
    const rotated = await control(emulator, 'POST', '/keys/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body.kid).not.toBe(before);
    const token = await emulator.signChannelToken(emulator.gccServiceUrl);
    expect(decode(token, { complete: true })?.header.kid).toBe(rotated.body.kid);
    const kids = ((await requestJson(`${emulator.url}/v1/.well-known/keys`, 'GET')).body.keys as { kid: string }[]).map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([before, rotated.body.kid]));
    // A validator that has not cached the old key set (a fresh metadata URL) accepts the new key.
    const fresh = botFrameworkAuthentication(`${emulator.url}/v1/.well-known/openidconfiguration?after-rotation`, `${emulator.url}/botframework.com`);
    await expect(fresh.authenticateRequest(teamsActivity(emulator.gccServiceUrl), `Bearer ${token}`)).resolves.toBeDefined();
    await emulator.close();
  });
});

describe('activities the emulator posts to the gateway', () => {
  it('carry a bearer token that validates for the activity, and Teams routing headers', async () => {
    const gateway = await startCaptureGateway();
    emulator.setGatewayUrl(gateway.url);
    try {
      const created = await createConversation(emulator, { type: 'groupChat' });
      expect(gateway.received).toHaveLength(2);
      for (const { headers, activity } of gateway.received) {
        expect(headers['x-ms-conversation-id']).toBe(created.conversationId);
        expect(headers['x-ms-tenant-id']).toBe(created.tenantId);
        const result = await auth.authenticateRequest(activity as InboundActivity, headers.authorization ?? '');
        expect(result.claimsIdentity.getClaimValue('serviceurl')).toBe(activity.serviceUrl);
      }
    } finally {
      await gateway.close();
    }
  });
});
