import { devCallbackSigningSecret } from '../../../dev/devCallbacks';
import { devBot, devTenantId } from '../../../dev/devIdentity';
import { type BannerFacts, readyLine, shellQuote, startupBanner } from '../../../dev/localFunctionHost/startupBanner';
import { planLocalSettings } from '../../../dev/localSettings';

const host: BannerFacts['host'] = {
  url: 'http://127.0.0.1:7071',
  httpRoutes: [
    { functionName: 'postNotification', methods: ['POST'], path: '/api/notifications' },
    { functionName: 'listConversations', methods: ['GET'], path: '/api/conversations' },
  ],
  triggers: [{ functionName: 'send', queuePath: 'notifications', sessions: true, maxConcurrent: 64 }],
  unservedTriggers: [],
};
const demo = { conversationId: "a:1x'y", tenantId: devTenantId, userName: 'Demo User', userAadObjectId: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', gatewayStatuses: [200, 200] };

describe('the start-up banner', () => {
  const embedded = startupBanner({
    plan: planLocalSettings({}),
    host,
    bot: { appId: devBot.appId, appType: 'MultiTenant' },
    emulator: { url: 'https://127.0.0.1:7072', caPath: '/tmp/ca.pem' },
    azurite: { port: 10002 },
    queue: { lockDurationInMs: 60_000, maxDeliveryCount: 5, duplicateDetectionWindowInMs: 3_600_000 },
    demo,
  }).join('\n');

  it('says what runs where, marked embedded, with the bot id and tenant but never the password', () => {
    expect(embedded).toContain('emulator https://127.0.0.1:7072');
    expect(embedded).toContain(`${devBot.appId} (MultiTenant)  [embedded]`);
    expect(embedded).toContain(devTenantId);
    expect(embedded).toContain('Azurite http://127.0.0.1:10002  in memory');
    expect(embedded).toContain('send <- notifications (64 sessions at once)');
    expect(embedded).toContain('authLevel is ignored');
    expect(embedded).not.toContain(devBot.appPassword);
    expect(embedded).toContain('receiver https://127.0.0.1:7072/callbacks/{name}  [embedded]');
    expect(embedded).not.toContain(devCallbackSigningSecret);
    expect(embedded.trimEnd().endsWith(readyLine)).toBe(true);
  });

  it('names the shared queue a host takes its messages from, and what it feeds', () => {
    const shared = startupBanner({
      plan: planLocalSettings({ LOCAL_QUEUE_URL: 'http://127.0.0.1:7090' }),
      host,
      bot: { appId: devBot.appId, appType: 'MultiTenant' },
      azurite: { port: 10002 },
    }).join('\n');
    expect(shared).toContain('queue     the shared in-process Service Bus at http://127.0.0.1:7090 (LOCAL_QUEUE_URL)');
    expect(shared).toContain('send <- notifications (64 sessions at once)');
    expect(shared).not.toContain('duplicate window');
  });

  it('prints a curl line that sends to the demo chat, quoted for the shell', () => {
    const body = JSON.stringify({ targets: [{ conversationId: demo.conversationId }], message: { text: 'Hello from the notification gateway' } });
    expect(embedded).toContain(`curl -sS -X POST http://127.0.0.1:7071/api/notifications -H 'content-type: application/json' -d ${shellQuote(body)}`);
    expect(embedded).toContain(`--cacert '/tmp/ca.pem' https://127.0.0.1:7072/_control/conversations/${encodeURIComponent(demo.conversationId)}/activities`);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('warns when the gateway did not accept the demo install', () => {
    const text = startupBanner({ plan: planLocalSettings({}), host, bot: { appId: devBot.appId, appType: 'MultiTenant' }, demo: { ...demo, gatewayStatuses: [401, 401] } }).join('\n');
    expect(text).toContain('answered the install with 401, 401');
  });

  it('says which settings come from the environment and that the triggers then need func start', () => {
    const plan = planLocalSettings({ MicrosoftAppId: 'app', TablesConnection: 'UseDevelopmentStorage=true', ServiceBusConnection__fullyQualifiedNamespace: 'sb-x.servicebus.windows.net' });
    const text = startupBanner({ plan, host: { ...host, triggers: [], unservedTriggers: ['send', 'deadLetter'] }, bot: { appId: 'app', appType: 'SingleTenant' } }).join('\n');
    expect(text).toContain('app (SingleTenant)  [from environment]');
    expect(text).toContain('no emulator');
    expect(text).toContain('tables    UseDevelopmentStorage=true  [from environment]');
    expect(text).toContain('Azure Service Bus, sb-x.servicebus.windows.net (managed identity), for sending  [from environment]');
    expect(text).toContain('not run here: send, deadLetter; their Service Bus triggers need func start');
    expect(text).toContain("curl -sS 'http://127.0.0.1:7071/api/conversations'");
  });

  it('says so when no notifications function is registered', () => {
    const text = startupBanner({ plan: planLocalSettings({}), host: { ...host, httpRoutes: [] }, bot: { appId: devBot.appId, appType: 'MultiTenant' } }).join('\n');
    expect(text).toContain('No POST .../notifications function is registered yet');
  });
});
