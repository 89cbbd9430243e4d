import { emulatorGatewaySettings } from '../../../dev/devIdentity';
import { cloudEnvironments } from '../../../shared/cloudEnvironment';
import { describeConfig, type Environment, loadConfig } from '../../../shared/config';
import { errorCodes, GatewayError } from '../../../shared/errors';

const azurite = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleQ==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';
const minimal: Environment = { MicrosoftAppId: 'app-id', MicrosoftAppPassword: 'app-secret', TablesConnection: azurite };

function problems(env: Environment): GatewayError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('reads a minimal multi-tenant bot on the public cloud with defaults', () => {
    const config = loadConfig(minimal);
    expect(config.bot).toEqual({ appId: 'app-id', appType: 'MultiTenant', password: 'app-secret' });
    expect(config.cloud).toEqual(cloudEnvironments.public);
    expect(config.trustedServiceUrlHosts).toEqual(['smba.trafficmanager.net', 'smba.infra.gcc.teams.microsoft.com']);
    expect(config.tables).toEqual({ kind: 'connectionString', connectionString: azurite });
    expect(config.serviceBus).toBeUndefined();
    expect(config.delivery).toMatchObject({ maxAttempts: 8, requestTimeoutInMs: 20_000, perTenantRequestsPerSecond: 50, perTenantBudget: 'shared' });
  });

  it('names every problem at once, as details with the setting names', () => {
    const error = problems({ MicrosoftAppType: 'Sometimes', DeliveryMaxAttempts: '0', ToBotFromChannelOpenIdMetadataUrl: 'not a url' });
    expect(error.code).toBe(errorCodes.ConfigurationInvalid);
    expect(error.details.map((d) => d.path).sort()).toEqual(
      ['DeliveryMaxAttempts', 'MicrosoftAppId', 'MicrosoftAppType', 'TablesConnection', 'ToBotFromChannelOpenIdMetadataUrl'].sort(),
    );
    expect(error.message).toContain('MicrosoftAppId');
  });

  it('shares the tenant budget unless told to pace per process, and names a bad mode', () => {
    expect(loadConfig({ ...minimal, PerTenantBudget: 'Process' }).delivery.perTenantBudget).toBe('process');
    const error = problems({ ...minimal, PerTenantBudget: 'cluster' });
    expect(error.details).toEqual([{ path: 'PerTenantBudget', message: 'must be one of shared, process, got "cluster"' }]);
  });

  it('treats blank values as missing', () => {
    expect(problems({ ...minimal, MicrosoftAppId: '   ' }).details.map((d) => d.path)).toEqual(['MicrosoftAppId']);
  });

  it.each([
    [{ MicrosoftAppType: 'SingleTenant' }, 'MicrosoftAppTenantId'],
    [{ MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: 't' }, 'MicrosoftAppPassword'],
    [{ MicrosoftAppPassword: undefined }, 'MicrosoftAppPassword'],
  ])('refuses an inconsistent bot identity %j', (overrides, path) => {
    expect(problems({ ...minimal, ...overrides }).details.map((d) => d.path)).toContain(path);
  });

  it('accepts a user-assigned managed identity without a secret, and a certificate instead of a password', () => {
    const msi = loadConfig({ MicrosoftAppId: 'client-id', MicrosoftAppType: 'userassignedmsi', MicrosoftAppTenantId: 't', TablesConnection: azurite });
    expect(msi.bot).toEqual({ appId: 'client-id', appType: 'UserAssignedMSI', tenantId: 't' });
    const cert = loadConfig({ ...minimal, MicrosoftAppPassword: undefined, MicrosoftAppCertificatePem: '-----BEGIN...' });
    expect(cert.bot.certificatePem).toBe('-----BEGIN...');
  });

  it('derives the US Government cloud from ChannelService, with or without a trailing slash', () => {
    for (const channelService of ['https://botframework.azure.us', 'https://botframework.azure.us/', 'https://BotFramework.azure.us']) {
      const config = loadConfig({ ...minimal, ChannelService: channelService });
      expect(config.cloud.name).toBe('gccHigh');
      expect(config.cloud.toBotFromChannelTokenIssuer).toBe('https://api.botframework.us');
    }
  });

  it('refuses an unknown ChannelService instead of silently using the public cloud', () => {
    expect(problems({ ...minimal, ChannelService: 'https://botframework.example' }).details.map((d) => d.path)).toEqual(['ChannelService']);
  });

  it('TeamsCloud picks a preset (dod), and rejects unknown clouds', () => {
    const dod = loadConfig({ ...minimal, TeamsCloud: 'DoD' });
    expect(dod.cloud.name).toBe('dod');
    expect(dod.trustedServiceUrlHosts).toEqual(['smba.infra.dod.teams.microsoft.us']);
    expect(problems({ ...minimal, TeamsCloud: 'mars' }).details.map((d) => d.path)).toEqual(['TeamsCloud']);
  });

  it('applies the Bot Framework overrides; a login URL override also moves the per-tenant authority', () => {
    const config = loadConfig({
      ...minimal,
      ToBotFromChannelOpenIdMetadataUrl: 'https://127.0.0.1:7072/v1/.well-known/openidconfiguration',
      ToBotFromChannelTokenIssuer: 'https://issuer.example',
      ToChannelFromBotLoginUrl: 'https://127.0.0.1:7072/botframework.com',
      ToChannelFromBotOAuthScope: 'https://scope.example',
    });
    expect(config.cloud).toMatchObject({
      toBotFromChannelOpenIdMetadataUrl: 'https://127.0.0.1:7072/v1/.well-known/openidconfiguration',
      toBotFromChannelTokenIssuer: 'https://issuer.example',
      toChannelFromBotLoginUrl: 'https://127.0.0.1:7072/botframework.com',
      toChannelFromBotLoginUrlPrefix: 'https://127.0.0.1:7072/',
      toChannelFromBotOAuthScope: 'https://scope.example',
    });
    // The preset object itself is never modified.
    expect(cloudEnvironments.public.toChannelFromBotLoginUrlPrefix).toBe('https://login.microsoftonline.com/');
  });

  it('adds trusted hosts from config (lower-cased, deduplicated) and refuses URLs in their place', () => {
    const config = loadConfig({ ...minimal, TrustedServiceUrlHosts: ' 127.0.0.1:7072, SMBA.trafficmanager.net ,' });
    expect(config.trustedServiceUrlHosts).toEqual(['smba.trafficmanager.net', 'smba.infra.gcc.teams.microsoft.com', '127.0.0.1:7072']);
    expect(problems({ ...minimal, TrustedServiceUrlHosts: 'https://evil.example/' }).details.map((d) => d.path)).toEqual(['TrustedServiceUrlHosts']);
  });

  it('reads identity-based connections the Functions way', () => {
    const config = loadConfig({
      MicrosoftAppId: 'a',
      MicrosoftAppPassword: 'p',
      TablesConnection__serviceUri: 'https://st.table.core.windows.net',
      TablesConnection__clientId: 'mi-client',
      ServiceBusConnection__fullyQualifiedNamespace: 'sb.servicebus.windows.net',
    });
    expect(config.tables).toEqual({ kind: 'identity', serviceUri: 'https://st.table.core.windows.net', clientId: 'mi-client' });
    expect(config.serviceBus).toEqual({ kind: 'identity', fullyQualifiedNamespace: 'sb.servicebus.windows.net' });
  });

  it('reads the backoff tuning and refuses a cap below the base', () => {
    expect(loadConfig({ ...minimal, DeliveryBackoffBaseMs: '250', DeliveryBackoffMaxMs: '4000' }).delivery).toMatchObject({
      backoffBaseInMs: 250,
      backoffMaxInMs: 4000,
    });
    expect(problems({ ...minimal, DeliveryBackoffBaseMs: '5000', DeliveryBackoffMaxMs: '1000' }).details.map((d) => d.path)).toEqual(['DeliveryBackoffMaxMs']);
    expect(problems({ ...minimal, DeliveryBackoffBaseMs: '0' }).details.map((d) => d.path)).toEqual(['DeliveryBackoffBaseMs']);
  });

  it('keeps PublicBaseUrl without trailing slashes', () => {
    expect(loadConfig({ ...minimal, PublicBaseUrl: 'https://gw.example/' }).publicBaseUrl).toBe('https://gw.example');
  });

  it('accepts the emulator settings the local host and tests use', () => {
    const config = loadConfig({ ...emulatorGatewaySettings('https://127.0.0.1:7072'), TablesConnection: azurite });
    expect(config.trustedServiceUrlHosts).toContain('127.0.0.1:7072');
    expect(config.gccServiceUrl).toBe('https://127.0.0.1:7072/gcc/');
  });
});

describe('proactive installation settings', () => {
  it('is off by default', () => {
    expect(loadConfig(minimal).proactiveInstall).toBeUndefined();
    expect(loadConfig({ ...minimal, ProactiveInstallation: 'false', TeamsAppCatalogId: 'ignored' }).proactiveInstall).toBeUndefined();
  });

  it("uses the cloud's Graph for calls and token scope", () => {
    const config = loadConfig({ ...minimal, ProactiveInstallation: 'TRUE', TeamsAppCatalogId: 'a1b2c3d4-0000-4000-8000-000000000001', TeamsCloud: 'gccHigh' });
    expect(config.proactiveInstall).toEqual({
      teamsAppId: 'a1b2c3d4-0000-4000-8000-000000000001',
      graphBaseUrl: 'https://graph.microsoft.us/v1.0',
      graphScope: 'https://graph.microsoft.us/.default',
    });
  });

  it('GraphEndpoint (the local emulator) moves the calls, never the token audience', () => {
    const config = loadConfig({ ...minimal, ProactiveInstallation: 'true', TeamsAppCatalogId: 'app', GraphEndpoint: 'https://127.0.0.1:7072/graph/' });
    expect(config.proactiveInstall).toMatchObject({ graphBaseUrl: 'https://127.0.0.1:7072/graph/v1.0', graphScope: 'https://graph.microsoft.com/.default' });
  });

  it('refuses a missing catalog id, a plain-http Graph endpoint and a value that is not true/false, naming each setting', () => {
    const error = problems({ ...minimal, ProactiveInstallation: 'true', GraphEndpoint: 'http://graph.example.test' });
    expect(error.details.map((d) => d.path).sort()).toEqual(['GraphEndpoint', 'TeamsAppCatalogId']);
    expect(problems({ ...minimal, ProactiveInstallation: 'yes' }).details.map((d) => d.path)).toEqual(['ProactiveInstallation']);
  });
});

describe('describeConfig', () => {
  it('never contains a secret or a connection string', () => {
    const config = loadConfig({
      ...minimal,
      MicrosoftAppCertificatePem: '-----BEGIN PRIVATE KEY-----abc',
      ServiceBusConnection: 'Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=sb-secret',
    });
    const text = JSON.stringify(describeConfig(config));
    for (const secret of ['app-secret', 'c2VjcmV0LWtleQ==', 'AccountKey', 'sb-secret', 'PRIVATE KEY']) expect(text).not.toContain(secret);
    expect(describeConfig(config)).toMatchObject({ appId: 'app-id', password: '***', certificate: '***', cloud: 'public' });
  });
});
