import { devCallbackSigningSecret } from '../../../dev/devCallbacks';
import { devBot } from '../../../dev/devIdentity';
import {
  describeServiceBusConnectionString,
  describeTablesConnectionString,
  embeddedSettings,
  parseLocalRunOptions,
  planLocalSettings,
} from '../../../dev/localSettings';
import { loadConfig } from '../../../shared/config';

const azurite = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';
const parts = { gatewayUrl: 'http://127.0.0.1:7071', emulatorUrl: 'https://127.0.0.1:7072', tablesConnectionString: azurite };

describe('npm start options', () => {
  it('defaults to the Functions port 7071 and the emulator on 7072, in memory', () => {
    expect(parseLocalRunOptions([], {})).toEqual({ port: 7071, emulatorPort: 7072, persist: false });
  });

  it('honours PORT, TEAMS_EMULATOR_PORT and --persist', () => {
    expect(parseLocalRunOptions(['--persist'], { PORT: '8080', TEAMS_EMULATOR_PORT: '0' })).toEqual({ port: 8080, emulatorPort: 0, persist: true });
  });

  it('names every problem at once', () => {
    expect(() => parseLocalRunOptions(['--presist'], { PORT: 'http', TEAMS_EMULATOR_PORT: '70000' })).toThrow(
      /unknown argument "--presist".*PORT must be a port number.*"http".*TEAMS_EMULATOR_PORT must be.*"70000"/,
    );
    expect(() => parseLocalRunOptions([], { PORT: '9000', TEAMS_EMULATOR_PORT: '9000' })).toThrow(/both 9000/);
  });
});

describe('embedded defaults versus real settings', () => {
  it('embeds everything on a bare environment, and the result is a valid gateway configuration', () => {
    const plan = planLocalSettings({});
    expect(plan).toEqual({ tables: { source: 'embedded' }, bot: { source: 'embedded', overridden: [] }, queue: { source: 'embedded' }, publicBaseUrl: 'embedded', callbacks: 'embedded' });
    const changes = embeddedSettings(plan, parts);
    const config = loadConfig(changes.set);
    expect(config.bot).toMatchObject({ appId: devBot.appId, appType: 'MultiTenant' });
    expect(config.trustedServiceUrlHosts).toContain('127.0.0.1:7072');
    expect(config.tables).toEqual({ kind: 'connectionString', connectionString: azurite });
    expect(config.serviceBus).toBeUndefined();
    expect(config.publicBaseUrl).toBe('http://127.0.0.1:7071');
    expect(config.callbacks).toMatchObject({ allowedHosts: ['localhost', '127.0.0.1'], allowPrivateNetwork: true, signingSecret: devCallbackSigningSecret });
  });

  it('keeps --persist for embedded tables', () => {
    expect(planLocalSettings({}, { persistDir: '/repo/.data/azurite' }).tables).toEqual({ source: 'embedded', persistDir: '/repo/.data/azurite' });
  });

  it('removes stray settings of another identity when the bot is embedded, so the identity is never mixed', () => {
    const env = { MicrosoftAppTenantId: 'contoso', ToBotFromChannelTokenIssuer: 'https://issuer', MicrosoftAppPassword: 'real-secret' };
    const plan = planLocalSettings(env);
    expect(plan.bot).toEqual({ source: 'embedded', overridden: ['MicrosoftAppTenantId', 'MicrosoftAppPassword', 'ToBotFromChannelTokenIssuer'] });
    const changes = embeddedSettings(plan, parts);
    expect(changes.unset).toEqual(['MicrosoftAppTenantId', 'ToBotFromChannelTokenIssuer']);
    expect(changes.set.MicrosoftAppPassword).toBe(devBot.appPassword);
  });

  it('takes the bot, tables, queue and public URL from the environment when they are set there', () => {
    const env = {
      MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
      TablesConnection__serviceUri: 'https://stgw.table.core.windows.net/',
      ServiceBusConnection__fullyQualifiedNamespace: 'sb-gw.servicebus.windows.net',
      PublicBaseUrl: 'https://gw.example.com',
      CallbackAllowedHosts: 'hooks.contoso.com',
    };
    const plan = planLocalSettings(env);
    expect(plan).toEqual({
      bot: { source: 'environment', appId: '11111111-2222-3333-4444-555555555555' },
      tables: { source: 'environment', description: 'https://stgw.table.core.windows.net/ (managed identity)' },
      queue: { source: 'environment', description: 'sb-gw.servicebus.windows.net (managed identity)' },
      publicBaseUrl: 'environment',
      callbacks: 'environment',
    });
    expect(embeddedSettings(plan, { gatewayUrl: parts.gatewayUrl })).toEqual({ set: {}, unset: [] });
  });

  it('takes the queue from a shared queue broker when LOCAL_QUEUE_URL names one, and a real Service Bus over it', () => {
    expect(planLocalSettings({ LOCAL_QUEUE_URL: ' http://127.0.0.1:7090 ' }).queue).toEqual({ source: 'shared', url: 'http://127.0.0.1:7090' });
    expect(planLocalSettings({ LOCAL_QUEUE_URL: 'http://127.0.0.1:7090', ServiceBusConnection__fullyQualifiedNamespace: 'sb-gw.servicebus.windows.net' }).queue.source).toBe(
      'environment',
    );
  });

  it('describes connection strings without their keys', () => {
    expect(describeTablesConnectionString(azurite)).toBe('connection string to http://127.0.0.1:10002/devstoreaccount1');
    expect(describeTablesConnectionString('AccountName=stgw;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net')).toBe('connection string for account stgw');
    expect(describeTablesConnectionString('UseDevelopmentStorage=true')).toBe('UseDevelopmentStorage=true');
    const serviceBus = 'Endpoint=sb://sb-gw.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0';
    expect(describeServiceBusConnectionString(serviceBus)).toBe('connection string to sb-gw.servicebus.windows.net');
    expect(planLocalSettings({ ServiceBusConnection: serviceBus, TablesConnection: azurite })).toMatchObject({
      tables: { source: 'environment', description: expect.not.stringContaining('c2VjcmV0') },
      queue: { source: 'environment', description: expect.not.stringContaining('c2VjcmV0') },
    });
  });
});
