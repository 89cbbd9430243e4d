import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

import { createOutboundCredential, outboundAuthority, outboundTokenScope } from '../../../shared/auth/outboundCredential';
import { type OutboundTokenError } from '../../../shared/auth/outboundTokenError';
import { createOutboundTokenProvider } from '../../../shared/auth/outboundTokenProvider';
import { cloudEnvironments } from '../../../shared/cloudEnvironment';
import { type BotIdentity, loadConfig } from '../../../shared/config';
import { errorCodes, isGatewayError } from '../../../shared/errors';

const appId = '6f1c8a55-0d3e-4f1b-9b7e-2c4d5e6f7a8b';
const tenantId = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('outboundAuthority', () => {
  it('MultiTenant uses the botframework.com tenant of the public login URL', () => {
    expect(outboundAuthority({ appId, appType: 'MultiTenant', password: 'x' }, cloudEnvironments.public)).toEqual({
      authorityHost: 'https://login.microsoftonline.com',
      tenantId: 'botframework.com',
    });
  });

  it('MultiTenant ignores a configured tenant id, as the Bot Framework SDK does', () => {
    expect(outboundAuthority({ appId, appType: 'MultiTenant', tenantId, password: 'x' }, cloudEnvironments.public).tenantId).toBe('botframework.com');
  });

  it('SingleTenant uses its own tenant under the cloud prefix', () => {
    expect(outboundAuthority({ appId, appType: 'SingleTenant', tenantId, password: 'x' }, cloudEnvironments.public)).toEqual({
      authorityHost: 'https://login.microsoftonline.com',
      tenantId,
    });
  });

  it.each([
    ['gccHigh', 'https://login.microsoftonline.us', 'MicrosoftServices.onmicrosoft.us'],
    ['dod', 'https://login.microsoftonline.us', 'MicrosoftServices.onmicrosoft.us'],
    ['gcc', 'https://login.microsoftonline.com', 'botframework.com'],
  ] as const)('%s MultiTenant bots ask %s/%s', (cloud, host, tenant) => {
    expect(outboundAuthority({ appId, appType: 'MultiTenant', password: 'x' }, cloudEnvironments[cloud])).toEqual({ authorityHost: host, tenantId: tenant });
  });

  it('follows an overridden login URL (local emulator), for both app types', () => {
    const config = loadConfig({
      MicrosoftAppId: appId,
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: tenantId,
      MicrosoftAppPassword: 'x',
      ToChannelFromBotLoginUrl: 'https://127.0.0.1:7443/botframework.com',
      TablesConnection: 'UseDevelopmentStorage=true',
    });
    expect(outboundAuthority(config.bot, config.cloud)).toEqual({ authorityHost: 'https://127.0.0.1:7443', tenantId });
    expect(outboundAuthority({ ...config.bot, appType: 'MultiTenant' }, config.cloud)).toEqual({ authorityHost: 'https://127.0.0.1:7443', tenantId: 'botframework.com' });
  });
});

describe('outboundTokenScope', () => {
  it('is the cloud Bot Framework audience with /.default', () => {
    expect(outboundTokenScope(cloudEnvironments.public)).toBe('https://api.botframework.com/.default');
    expect(outboundTokenScope(cloudEnvironments.gccHigh)).toBe('https://api.botframework.us/.default');
    expect(outboundTokenScope(cloudEnvironments.dod)).toBe('https://api.botframework.us/.default');
  });
});

describe('createOutboundCredential configuration checks', () => {
  it('refuses a plain-http authority (the token would travel unencrypted)', () => {
    const bot: BotIdentity = { appId, appType: 'MultiTenant', password: 'x' };
    const cloud = { ...cloudEnvironments.public, toChannelFromBotLoginUrl: 'http://127.0.0.1:9/botframework.com' };
    const error = thrownBy(() => createOutboundCredential({ bot, cloud }));
    expect(isGatewayError(error, errorCodes.ConfigurationInvalid)).toBe(true);
    expect((error as Error).message).toMatch(/https/);
  });

  it('refuses a secret-based app type without a secret or certificate', () => {
    const error = thrownBy(() => createOutboundCredential({ bot: { appId, appType: 'SingleTenant', tenantId }, cloud: cloudEnvironments.public }));
    expect(isGatewayError(error, errorCodes.ConfigurationInvalid)).toBe(true);
    expect((error as Error).message).toMatch(/MicrosoftAppPassword/);
  });
});

/** A stand-in for App Service's managed identity endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER). */
describe('UserAssignedMSI credential (App Service managed identity endpoint)', () => {
  const requests: Array<{ url: URL; header: string | undefined }> = [];
  let answer: 'ok' | 'fail' = 'ok';
  let server: Server;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const header = request.headers['x-identity-header'];
      requests.push({ url, header: typeof header === 'string' ? header : undefined });
      response.setHeader('content-type', 'application/json');
      if (answer === 'fail') {
        response.statusCode = 400;
        response.end(JSON.stringify({ statusCode: 400, message: 'Unable to load the proper Managed Identity.', correlationId: 'c' }));
        return;
      }
      const expiresOn = Math.floor(Date.now() / 1000) + 3600;
      response.end(JSON.stringify({ access_token: `msi-token-${requests.length}`, expires_on: String(expiresOn), resource: url.searchParams.get('resource'), token_type: 'Bearer', client_id: appId }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
    process.env.IDENTITY_HEADER = 'identity-header-value';
  });

  afterAll(async () => {
    process.env = savedEnv;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('asks for the Bot Framework resource as the user-assigned identity, without any secret', async () => {
    const config = loadConfig({ MicrosoftAppId: appId, MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: tenantId, TablesConnection: 'UseDevelopmentStorage=true' });
    const credential = createOutboundCredential(config);
    const issued = await credential.issueToken();
    expect(issued.token).toBe('msi-token-1');
    expect(issued.expiresOnTimestamp).toBeGreaterThan(Date.now());
    const first = requests[0]!;
    expect(first.url.searchParams.get('resource')).toBe('https://api.botframework.com');
    expect(first.url.searchParams.get('client_id')).toBe(appId);
    expect(first.header).toBe('identity-header-value');
  });

  it('asks for Microsoft Graph with the same identity when given the Graph audience', async () => {
    const credential = createOutboundCredential(
      { bot: { appId, appType: 'UserAssignedMSI', tenantId }, cloud: cloudEnvironments.public },
      { scope: 'https://graph.microsoft.com/.default', tenantId },
    );
    const before = requests.length;
    await credential.issueToken();
    expect(requests[before]!.url.searchParams.get('resource')).toBe('https://graph.microsoft.com');
  });

  it("skips MSAL's process-wide managed identity cache: every token request reaches the endpoint", async () => {
    const credential = createOutboundCredential({ bot: { appId, appType: 'UserAssignedMSI', tenantId }, cloud: cloudEnvironments.public });
    const before = requests.length;
    const a = await credential.issueToken();
    const b = await credential.issueToken();
    expect(requests.length - before).toBe(2);
    expect(a.token).not.toBe(b.token);
  });

  it('reports an endpoint failure through the token provider as TokenAcquisitionFailed', async () => {
    answer = 'fail';
    try {
      const config = loadConfig({ MicrosoftAppId: appId, MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: tenantId, TablesConnection: 'UseDevelopmentStorage=true' });
      const error = (await createOutboundTokenProvider(config).getToken().catch((e: unknown) => e)) as OutboundTokenError;
      expect(isGatewayError(error, errorCodes.TokenAcquisitionFailed)).toBe(true);
      expect(error.tokenErrorCode).toBe('http_400');
      expect(error.message).toContain('Managed Identity');
    } finally {
      answer = 'ok';
    }
  });
});
