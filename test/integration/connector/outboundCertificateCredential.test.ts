import { createServer, type Server } from 'node:https';
import { type AddressInfo } from 'node:net';

import { decode, verify } from 'jsonwebtoken';
import { generate } from 'selfsigned';

import { ensureEmulatorCa, issueLoopbackCertificate } from '../../../dev/emulatorCa';
import { type OutboundTokenError } from '../../../shared/auth/outboundTokenError';
import { createOutboundTokenProvider } from '../../../shared/auth/outboundTokenProvider';
import { loadConfig } from '../../../shared/config';

/**
 * The certificate path and AAD error codes through the real @azure/identity, against a small Entra stand-in of
 * this test's own (the Teams emulator's token endpoint takes secrets only). HTTPS with the emulator CA.
 */
const appId = '3b2f0c61-9d7e-4a52-8f3c-1e6d7a8b9c0d';
const tenantId = '8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a';

type Mode = 'ok' | 'invalid_client' | 'temporarily_unavailable';

interface TokenRequest {
  tenant: string;
  form: URLSearchParams;
}

let server: Server;
let baseUrl: string;
let certificatePem: string;
let certificateOnly: string;
let mode: Mode = 'ok';
const tokenRequests: TokenRequest[] = [];

beforeAll(async () => {
  const leaf = await issueLoopbackCertificate(await ensureEmulatorCa());
  const botCertificate = await generate([{ name: 'commonName', value: 'notification-gateway-bot' }], { keySize: 2048, algorithm: 'sha256' });
  certificateOnly = botCertificate.cert;
  certificatePem = `${botCertificate.cert}\n${botCertificate.private}`;
  server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', baseUrl);
      const [tenant = '', ...rest] = url.pathname.split('/').filter((s) => s !== '');
      const path = rest.join('/');
      response.setHeader('content-type', 'application/json');
      if (request.method === 'GET' && path === 'v2.0/.well-known/openid-configuration') {
        response.end(
          JSON.stringify({
            token_endpoint: `${baseUrl}/${tenant}/oauth2/v2.0/token`,
            authorization_endpoint: `${baseUrl}/${tenant}/oauth2/v2.0/authorize`,
            issuer: `${baseUrl}/${tenant}/v2.0`,
            jwks_uri: `${baseUrl}/${tenant}/discovery/v2.0/keys`,
            response_types_supported: ['code'],
          }),
        );
        return;
      }
      if (request.method === 'POST' && path === 'oauth2/v2.0/token') {
        tokenRequests.push({ tenant, form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
        if (mode === 'invalid_client') {
          response.statusCode = 401;
          response.end(JSON.stringify({ error: 'invalid_client', error_description: 'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.', error_codes: [700027] }));
          return;
        }
        if (mode === 'temporarily_unavailable') {
          response.statusCode = 503;
          response.setHeader('retry-after', '0');
          response.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred. Please try again.', error_codes: [90033] }));
          return;
        }
        response.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: `issued-${tokenRequests.length}` }));
        return;
      }
      response.statusCode = 404;
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

beforeEach(() => {
  mode = 'ok';
  tokenRequests.length = 0;
});

function providerFor(settings: Record<string, string>) {
  return createOutboundTokenProvider(
    loadConfig({ MicrosoftAppId: appId, ToChannelFromBotLoginUrl: `${baseUrl}/botframework.com`, TablesConnection: 'UseDevelopmentStorage=true', ...settings }),
  );
}

describe('certificate credential (SingleTenant, PEM)', () => {
  it("signs a client assertion with the bot's certificate and asks its own tenant for the Bot Framework scope", async () => {
    const tokens = providerFor({ MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: tenantId, MicrosoftAppCertificatePem: certificatePem });
    expect(await tokens.getToken()).toBe('issued-1');
    expect(tokenRequests).toHaveLength(1);
    const { tenant, form } = tokenRequests[0]!;
    expect(tenant).toBe(tenantId);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('scope')).toBe('https://api.botframework.com/.default');
    expect(form.get('client_secret')).toBeNull();
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const assertion = form.get('client_assertion') ?? '';
    const claims = verify(assertion, certificateOnly, { algorithms: ['RS256', 'PS256'], clockTolerance: 5 }) as { iss: string; sub: string; aud: string };
    expect(claims).toMatchObject({ iss: appId, sub: appId, aud: `${baseUrl}/${tenantId}/oauth2/v2.0/token` });
    expect(decode(assertion, { complete: true })?.header).toEqual(expect.objectContaining({ typ: 'JWT' }));
  });

  it('a MultiTenant certificate bot asks the botframework.com tenant', async () => {
    const tokens = providerFor({ MicrosoftAppType: 'MultiTenant', MicrosoftAppCertificatePem: certificatePem });
    await tokens.getToken();
    expect(tokenRequests[0]!.tenant).toBe('botframework.com');
  });

  it('forceRefresh really asks again (no MSAL cache in the way)', async () => {
    const tokens = providerFor({ MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: tenantId, MicrosoftAppCertificatePem: certificatePem });
    expect(await tokens.getToken()).toBe('issued-1');
    expect(await tokens.getToken()).toBe('issued-1');
    expect(await tokens.forceRefresh('issued-1')).toBe('issued-2');
    expect(tokenRequests).toHaveLength(2);
  });
});

describe('AAD error codes through @azure/identity', () => {
  it('invalid_client: misconfiguration, reported with its code and AADSTS description', async () => {
    mode = 'invalid_client';
    const tokens = providerFor({ MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: tenantId, MicrosoftAppCertificatePem: certificatePem });
    const error = (await tokens.getToken().catch((e: unknown) => e)) as OutboundTokenError;
    expect(error.tokenErrorCode).toBe('invalid_client');
    expect(error.message).toContain('AADSTS700027');
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  it('temporarily_unavailable: transient, reported with its code once the library gave up', async () => {
    mode = 'temporarily_unavailable';
    const tokens = providerFor({ MicrosoftAppPassword: 'secret-value-never-logged' });
    const error = (await tokens.getToken().catch((e: unknown) => e)) as OutboundTokenError;
    expect(error.tokenErrorCode).toBe('temporarily_unavailable');
    expect(error.message).not.toContain('secret-value-never-logged');
    // @azure/identity's own pipeline retried the token request (Retry-After: 0); our Connector calls never do.
    expect(tokenRequests.length).toBeGreaterThan(1);
  });
});
