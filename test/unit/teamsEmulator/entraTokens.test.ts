import { decode } from 'jsonwebtoken';

import { AccessTokenVerifier } from '../../../dev/teamsEmulator/accessTokenVerifier';
import { generateSigningKey, type SigningKey } from '../../../dev/teamsEmulator/emulatorKeyMaterial';
import { botFrameworkTenantId, EntraTokenEndpoint } from '../../../dev/teamsEmulator/entraTokenEndpoint';
import { FaultInjector, faultPlanSchema, noFaults } from '../../../dev/teamsEmulator/faultPlan';

const app = { appId: '11111111-2222-4333-8444-555555555555', appPassword: 'dev-only-password' };
const scope = 'https://api.botframework.com/.default';
const t0 = 1_800_000_000_000;

let key: SigningKey;
let otherKey: SigningKey;
beforeAll(async () => {
  [key, otherKey] = await Promise.all([generateSigningKey(), generateSigningKey()]);
});

function endpoint(options: { now?: () => number; lifetime?: number; faults?: FaultInjector } = {}): EntraTokenEndpoint {
  return new EntraTokenEndpoint({
    key,
    app,
    now: options.now ?? (() => t0),
    tokenLifetimeInSeconds: () => options.lifetime ?? 3600,
    faults: options.faults ?? new FaultInjector(noFaults),
  });
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

const goodRequest = { grant_type: 'client_credentials', client_id: app.appId, client_secret: app.appPassword, scope };

describe('EntraTokenEndpoint', () => {
  it('issues a Bearer token for the Bot Framework with the configured lifetime', () => {
    const reply = endpoint({ lifetime: 120 }).token('botframework.com', form(goodRequest), {});
    expect(reply.status).toBe(200);
    const body = reply.body as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 120, ext_expires_in: 120 });
    const claims = decode(body.access_token as string, { json: true });
    expect(claims).toMatchObject({
      aud: 'https://api.botframework.com',
      appid: app.appId,
      azp: app.appId,
      tid: botFrameworkTenantId,
      iss: `https://sts.windows.net/${botFrameworkTenantId}/`,
      exp: t0 / 1000 + 120,
      ver: '1.0',
    });
  });

  it('uses a single-tenant authority as the tid, and accepts HTTP Basic client authentication', () => {
    const tenant = '5e2f7c1a-3b4d-4e6f-8a9b-0c1d2e3f4a5b';
    const basic = Buffer.from(`${app.appId}:${app.appPassword}`).toString('base64');
    const reply = endpoint().token(tenant, form({ grant_type: 'client_credentials', scope }), { authorization: `Basic ${basic}` });
    expect(reply.status).toBe(200);
    expect(decode((reply.body as { access_token: string }).access_token, { json: true })?.tid).toBe(tenant);
  });

  it.each([
    ['a wrong secret', { ...goodRequest, client_secret: 'nope' }, 401, 'invalid_client', 7000215],
    ['no secret', { grant_type: 'client_credentials', client_id: app.appId, scope }, 401, 'invalid_client', 7000216],
    ['an unknown client', { ...goodRequest, client_id: '99999999-2222-4333-8444-555555555555' }, 400, 'unauthorized_client', 700016],
    ['another grant', { ...goodRequest, grant_type: 'password' }, 400, 'unsupported_grant_type', 70003],
    ['a scope without /.default', { ...goodRequest, scope: 'https://api.botframework.com' }, 400, 'invalid_scope', 1002012],
    ['no scope', { grant_type: 'client_credentials', client_id: app.appId, client_secret: app.appPassword }, 400, 'invalid_request', 900144],
  ])('answers %s as AAD does', (_case, request, status, error, code) => {
    const reply = endpoint().token('botframework.com', form(request), { 'client-request-id': 'corr-1' });
    expect(reply.status).toBe(status);
    const body = reply.body as Record<string, unknown>;
    expect(body.error).toBe(error);
    expect(body.error_codes).toEqual([code]);
    expect(body.error_description).toMatch(new RegExp(`^AADSTS${code}: `));
    expect(body.correlation_id).toBe('corr-1');
  });

  it('refuses unknown tenants and tenantless authorities for client credentials', () => {
    expect(endpoint().token('contoso.example', form(goodRequest), {}).body).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    expect(endpoint().token('common', form(goodRequest), {}).body).toMatchObject({ error: 'invalid_request', error_codes: [50059] });
  });

  it('answers injected faults: temporarily_unavailable (503), invalid_client (401), slow', () => {
    const unavailable = new FaultInjector(faultPlanSchema.parse({ token: { temporarily_unavailable: 1 } }));
    expect(endpoint({ faults: unavailable }).token('botframework.com', form(goodRequest), {})).toMatchObject({
      status: 503,
      body: { error: 'temporarily_unavailable', error_codes: [90033] },
    });
    const invalid = new FaultInjector(faultPlanSchema.parse({ token: { invalid_client: 1 } }));
    expect(endpoint({ faults: invalid }).token('botframework.com', form(goodRequest), {})).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const slow = new FaultInjector(faultPlanSchema.parse({ token: { slow: 1 }, slowDelayInMs: 1234 }));
    expect(endpoint({ faults: slow }).token('botframework.com', form(goodRequest), {})).toMatchObject({ status: 200, delayInMs: 1234 });
  });

  it('publishes v2 metadata whose endpoints stay on the emulator and name the tenant', () => {
    const body = endpoint().openIdConfiguration('https://127.0.0.1:7072', 'botframework.com', 'v2').body as Record<string, string>;
    expect(body.token_endpoint).toBe(`https://127.0.0.1:7072/${botFrameworkTenantId}/oauth2/v2.0/token`);
    expect(body.jwks_uri).toBe(`https://127.0.0.1:7072/${botFrameworkTenantId}/discovery/v2.0/keys`);
    expect(body.issuer).toBe(`https://127.0.0.1:7072/${botFrameworkTenantId}/v2.0`);
    expect(body.authorization_endpoint).toBeDefined();
  });
});

describe('AccessTokenVerifier', () => {
  let now = t0;
  const clock = (): number => now;

  function tokenFor(request: Record<string, string>, lifetime = 3600): string {
    const reply = endpoint({ now: clock, lifetime }).token('botframework.com', form(request), {});
    return `Bearer ${(reply.body as { access_token: string }).access_token}`;
  }

  beforeEach(() => {
    now = t0;
  });

  it('accepts a fresh token for the registered bot until the second it expires', () => {
    const verifier = new AccessTokenVerifier(key, app.appId, clock);
    const header = tokenFor(goodRequest, 60);
    expect(verifier.check(header)).toBe('ok');
    now = t0 + 59_999;
    expect(verifier.check(header)).toBe('ok');
    now = t0 + 60_000;
    expect(verifier.check(header)).toBe('unauthorized');
  });

  it('refuses a missing header, another scheme, a wrong audience and a foreign signature', () => {
    const verifier = new AccessTokenVerifier(key, app.appId, clock);
    expect(verifier.check(undefined)).toBe('unauthorized');
    expect(verifier.check(tokenFor(goodRequest).replace('Bearer', 'Basic'))).toBe('unauthorized');
    expect(verifier.check(tokenFor({ ...goodRequest, scope: `api://botid-${app.appId}/.default` }))).toBe('unauthorized');
    const foreign = new AccessTokenVerifier(otherKey, app.appId, clock);
    expect(foreign.check(tokenFor(goodRequest))).toBe('unauthorized');
    expect(verifier.check('Bearer not-a-jwt')).toBe('unauthorized');
  });

  it('says BotNotRegistered for a valid token issued to another app', () => {
    const verifier = new AccessTokenVerifier(key, 'someone-else', clock);
    expect(verifier.check(tokenFor(goodRequest))).toBe('botNotRegistered');
  });
});
