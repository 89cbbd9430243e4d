import { generateKeyPairSync } from 'node:crypto';

import { createBotFrameworkInboundAuthenticator, type InboundAuthenticator } from '../../../shared/auth/inboundAuthenticator';
import { OpenIdSigningKeys } from '../../../shared/auth/openIdSigningKeys';
import { cloudEnvironments } from '../../../shared/cloudEnvironment';
import { errorCodes, GatewayError } from '../../../shared/errors';
import { type ChannelKey, FakeOpenIdEndpoint, makeChannelKey, signChannelJwt, signWithAlgorithmConfusion, type TokenClaims } from './fakeChannelKeys';

const appId = '11111111-2222-3333-4444-555555555555';
const serviceUrl = 'https://smba.trafficmanager.net/amer/';
let counter = 0;

interface Setup {
  authenticator: InboundAuthenticator;
  endpoint: FakeOpenIdEndpoint;
  key: ChannelKey;
  clock: { now: number };
}

function setup(keys: ChannelKey[] = [makeChannelKey('key-1')]): Setup {
  counter += 1;
  // A distinct metadata URL per test: the library keeps signing keys per URL for the whole process.
  const endpoint = new FakeOpenIdEndpoint(`https://login.channel.test/${counter}/openidconfiguration`, keys);
  const clock = { now: Date.now() };
  const signingKeys = new OpenIdSigningKeys({ metadataUrl: endpoint.metadataUrl, fetch: endpoint.fetch, now: () => clock.now, unknownKeyRefreshWindowInMs: 60_000, unknownKeyRefreshLimit: 2 });
  const cloud = { ...cloudEnvironments.public, toBotFromChannelOpenIdMetadataUrl: endpoint.metadataUrl };
  return { authenticator: createBotFrameworkInboundAuthenticator({ appId, cloud, signingKeys }), endpoint, key: keys[0]!, clock };
}

const valid = (extra: TokenClaims = {}): TokenClaims => ({ aud: appId, serviceurl: serviceUrl, ...extra });

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected the token to be refused');
}

describe('Bot Framework inbound authenticator', () => {
  beforeEach(() => {
    // botframework-connector logs every refused token on console.error; keep test output readable.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('accepts a channel token for this bot and returns its claims', async () => {
    const { authenticator, key } = setup();
    const identity = await authenticator.authenticate(`Bearer ${signChannelJwt(key, valid())}`);
    expect(identity.appId).toBe(appId);
    expect(identity.serviceUrl).toBe(serviceUrl);
    expect(identity.claims.aud).toBe(appId);
  });

  it('accepts a token that expired less than 5 minutes ago (clock skew)', async () => {
    const { authenticator, key } = setup();
    const exp = Math.floor(Date.now() / 1000) - 120;
    await expect(authenticator.authenticate(`Bearer ${signChannelJwt(key, valid({ exp }))}`)).resolves.toMatchObject({ appId });
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bearer that is not a JWT', 'Bearer not-a-jwt'],
  ])('refuses %s with UNAUTHORIZED', async (_case, header) => {
    const { authenticator } = setup();
    const error = await refusal(authenticator.authenticate(header));
    expect(error.code).toBe(errorCodes.Unauthorized);
  });

  it.each<[string, (key: ChannelKey) => string]>([
    ['expired more than 5 minutes ago', (key) => signChannelJwt(key, valid({ exp: Math.floor(Date.now() / 1000) - 600, nbf: Math.floor(Date.now() / 1000) - 4000 }))],
    ['not valid before a time 10 minutes ahead', (key) => signChannelJwt(key, valid({ nbf: Math.floor(Date.now() / 1000) + 600 }))],
    ['for another audience', (key) => signChannelJwt(key, valid({ aud: 'someone-else' }))],
    ['from another issuer', (key) => signChannelJwt(key, valid({ iss: 'https://evil.example' }))],
    ['from an Emulator-style issuer', (key) => signChannelJwt(key, valid({ iss: 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/', appid: appId, ver: '1.0' }))],
    ['without a serviceurl claim', (key) => signChannelJwt(key, valid({ serviceurl: null }))],
    ['signed by a key the channel does not publish', (key) => signChannelJwt({ kid: key.kid, privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }, valid())],
    ['with an unknown kid', () => signChannelJwt(makeChannelKey('never-published'), valid())],
    ['signed HS256 with the public key', (key) => signWithAlgorithmConfusion(key, valid())],
    ['with alg none', (key) => `${signChannelJwt(key, valid()).split('.').slice(0, 2).join('.').replace(/^[^.]+/, Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url'))}.`],
  ])('refuses a token %s', async (_case, forge) => {
    const { authenticator, key } = setup();
    const error = await refusal(authenticator.authenticate(`Bearer ${forge(key)}`));
    expect(error.code).toBe(errorCodes.Unauthorized);
  });

  it('refuses a key without the msteams endorsement (the library alone would accept it)', async () => {
    const unendorsed = makeChannelKey('plain', []);
    const { authenticator } = setup([unendorsed]);
    const error = await refusal(authenticator.authenticate(`Bearer ${signChannelJwt(unendorsed, valid())}`));
    expect(error.code).toBe(errorCodes.Unauthorized);
    expect(error.message).toMatch(/endorsed/);
  });

  it('refuses a key endorsed only for another channel', async () => {
    const webchatOnly = makeChannelKey('webchat', ['webchat']);
    const { authenticator } = setup([webchatOnly]);
    const error = await refusal(authenticator.authenticate(`Bearer ${signChannelJwt(webchatOnly, valid())}`));
    expect(error.code).toBe(errorCodes.Unauthorized);
  });

  it('returns the serviceurl claim, which the activity read afterwards must match', async () => {
    const { authenticator, key } = setup();
    const emea = 'https://smba.trafficmanager.net/emea/';
    await expect(authenticator.authenticate(`Bearer ${signChannelJwt(key, valid({ serviceurl: emea }))}`)).resolves.toMatchObject({ serviceUrl: emea });
  });

  it('picks up a rotated key on its first unknown kid, without waiting for the daily refresh', async () => {
    const { authenticator, endpoint, key } = setup();
    await authenticator.authenticate(`Bearer ${signChannelJwt(key, valid())}`);
    expect(endpoint.fetchCount).toBe(1);

    const rotated = makeChannelKey('key-2');
    endpoint.published = [key, rotated];
    await expect(authenticator.authenticate(`Bearer ${signChannelJwt(rotated, valid())}`)).resolves.toMatchObject({ appId });
    expect(endpoint.fetchCount).toBe(2);
  });

  it('limits refreshes caused by unknown kids per window', async () => {
    const { authenticator, endpoint, key, clock } = setup();
    await authenticator.authenticate(`Bearer ${signChannelJwt(key, valid())}`);
    const forged = async (kid: string): Promise<GatewayError> => refusal(authenticator.authenticate(`Bearer ${signChannelJwt(makeChannelKey(kid), valid())}`));
    for (const kid of ['made-up-1', 'made-up-2', 'made-up-3', 'made-up-4']) await forged(kid);
    expect(endpoint.fetchCount).toBe(1 + 2);
    clock.now += 60_001;
    await forged('made-up-5');
    expect(endpoint.fetchCount).toBe(1 + 3);
  });

  it('keeps validating with the keys it has when a refresh fails', async () => {
    const { authenticator, endpoint, key, clock } = setup();
    await authenticator.authenticate(`Bearer ${signChannelJwt(key, valid())}`);
    endpoint.failing = true;
    clock.now += 25 * 3_600_000;
    await expect(authenticator.authenticate(`Bearer ${signChannelJwt(key, valid())}`)).resolves.toMatchObject({ appId });
  });

  it('reports unreachable keys as AUTHENTICATION_UNAVAILABLE (503), not as a bad token', async () => {
    const { authenticator, endpoint, key } = setup();
    endpoint.failing = true;
    const error = await refusal(authenticator.authenticate(`Bearer ${signChannelJwt(key, valid())}`));
    expect(error.code).toBe(errorCodes.AuthenticationUnavailable);
  });
});
