import { devTenantId } from '../../../dev/devIdentity';
import { startTeamsEmulator, type TeamsEmulator } from '../../../dev/teamsEmulator/teamsEmulator';
import { createOutboundTokenProvider, type OutboundTokenProvider } from '../../../shared/auth/outboundTokenProvider';
import { type GatewayConfig, loadConfig } from '../../../shared/config';
import { type BotConnectorClient, type ConnectorConversationTarget, createBotConnectorClient } from '../../../shared/connector/botConnectorClient';

/**
 * The token provider and Connector client, unmodified, against the Teams emulator: real token requests to its
 * Entra-style endpoint (HTTPS, trusted through NODE_EXTRA_CA_CERTS), real Connector calls under /amer/.
 */
const sendRoute = 'POST /{region}/v3/conversations/{conversationId}/activities';
const tokenRoute = 'POST /{tenant}/oauth2/v2.0/token';

interface Stats {
  requests: Record<string, Record<string, number>>;
  tokensIssued: number;
}

let emulator: TeamsEmulator;
/** Added to the emulator's clock: lets a test age tokens as Teams sees them. */
let emulatorClockOffsetInMs = 0;

beforeAll(async () => {
  // The gateway URL is unreachable on purpose: installs are recorded as failed deliveries, nothing else.
  emulator = await startTeamsEmulator({ port: 0, gatewayUrl: 'http://127.0.0.1:9', clock: () => Date.now() + emulatorClockOffsetInMs });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(async () => {
  emulatorClockOffsetInMs = 0;
  await control('POST', '/_control/reset');
});

async function control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function configFor(settings: Record<string, string> = {}): GatewayConfig {
  return loadConfig({ ...emulator.gatewaySettings(), TablesConnection: 'UseDevelopmentStorage=true', ...settings });
}

function setUp(settings: Record<string, string> = {}): { tokens: OutboundTokenProvider; client: BotConnectorClient } {
  const config = configFor(settings);
  const tokens = createOutboundTokenProvider(config);
  return { tokens, client: createBotConnectorClient(config, tokens) };
}

interface InstalledConversation {
  conversationId: string;
  serviceUrl: string;
  tenantId: string;
  bot: { id: string; name: string };
  user: { id: string; aadObjectId: string };
}

/** A user installs the bot in personal scope; the target is built from what Teams would have sent. */
async function installPersonal(): Promise<{ installed: InstalledConversation; target: ConnectorConversationTarget }> {
  const installed = await control<InstalledConversation>('POST', '/_control/conversations', { type: 'personal' });
  return {
    installed,
    target: {
      serviceUrl: installed.serviceUrl,
      conversation: { id: installed.conversationId, tenantId: installed.tenantId, conversationType: 'personal' },
      bot: installed.bot,
      user: installed.user,
      channelId: 'msteams',
    },
  };
}

async function activitiesIn(conversationId: string): Promise<Array<{ id: string; text?: string; updateCount: number; deleted: boolean; receivedCount: number }>> {
  const log = await control<{ activities: Array<{ id: string; text?: string; updateCount: number; deleted: boolean; receivedCount: number }> }>(
    'GET',
    `/_control/conversations/${encodeURIComponent(conversationId)}/activities`,
  );
  return log.activities;
}

const stats = (): Promise<Stats> => control<Stats>('GET', '/_control/stats');

describe('Bot Connector client against the Teams emulator', () => {
  it('gets a real token from the Entra-style endpoint and the send arrives, from the bot, once', async () => {
    const { client } = setUp();
    const { installed, target } = await installPersonal();
    const attempt = await client.sendToConversation(target, { type: 'message', text: 'Deploy 42 finished' });
    expect(attempt.outcome).toMatchObject({ kind: 'success', status: 201 });
    expect(attempt.freshTokenRetried).toBe(false);
    const activities = await activitiesIn(installed.conversationId);
    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({ text: 'Deploy 42 finished', receivedCount: 1 });
    expect(attempt.outcome.kind === 'success' && attempt.outcome.id).toBe(activities[0]!.id);
    const after = await stats();
    expect(after.requests[sendRoute]).toEqual({ '201': 1 });
    expect(after.tokensIssued).toBe(1);
  });

  it('updates and deletes the sent copy by its activity id', async () => {
    const { client } = setUp();
    const { installed, target } = await installPersonal();
    const sent = await client.sendToConversation(target, { type: 'message', text: 'Incident opened' });
    const activityId = sent.outcome.kind === 'success' ? sent.outcome.id : undefined;
    expect(activityId).toBeDefined();
    expect((await client.updateActivity(target, activityId!, { type: 'message', text: 'Incident resolved' })).outcome).toMatchObject({ kind: 'success', status: 200 });
    expect((await activitiesIn(installed.conversationId))[0]).toMatchObject({ text: 'Incident resolved', updateCount: 1, deleted: false });
    expect((await client.deleteActivity(target, activityId!)).outcome).toMatchObject({ kind: 'success', status: 200 });
    expect((await activitiesIn(installed.conversationId))[0]).toMatchObject({ deleted: true });
  });

  it('creates (re-opens) the personal chat from the user Entra object id', async () => {
    const { client } = setUp();
    const { installed } = await installPersonal();
    const attempt = await client.createPersonalConversation({
      serviceUrl: installed.serviceUrl,
      bot: installed.bot,
      tenantId: installed.tenantId,
      userId: installed.user.aadObjectId,
    });
    expect(attempt.outcome).toEqual({ kind: 'success', status: 201, id: installed.conversationId });
  });

  it('reports what Teams says for a foreign from (a bare 403, as field reports show) without retrying', async () => {
    const { client } = setUp();
    const { target } = await installPersonal();
    const attempt = await client.sendToConversation({ ...target, bot: { id: '28:some-other-bot', name: 'x' } }, { type: 'message', text: 'hi' });
    expect(attempt).toEqual({ outcome: { kind: 'httpError', status: 403 }, freshTokenRetried: false });
    expect((await stats()).requests[sendRoute]).toEqual({ '403': 1 });
  });

  it('on an injected 401 fetches a really new token (skipping MSAL) and retries once', async () => {
    const { client } = setUp();
    const { target } = await installPersonal();
    await control('PUT', '/_control/faults', { rates: { '401': 1 } });
    const attempt = await client.sendToConversation(target, { type: 'message', text: 'hi' });
    expect(attempt).toEqual({
      outcome: { kind: 'httpError', status: 401, message: 'Authorization has been denied for this request.' },
      freshTokenRetried: true,
    });
    const after = await stats();
    expect(after.requests[sendRoute]).toEqual({ '401': 2 });
    expect(after.tokensIssued).toBe(2);
  });

  it('recovers from a token Teams already considers expired: 401, fresh token, delivered', async () => {
    const { client } = setUp();
    const { installed, target } = await installPersonal();
    expect((await client.sendToConversation(target, { type: 'message', text: 'one' })).outcome.kind).toBe('success');
    // Teams' clock runs past the cached token's expiry while ours still thinks it is fresh (the field's 401).
    emulatorClockOffsetInMs = 2 * 3_600_000;
    const attempt = await client.sendToConversation(target, { type: 'message', text: 'two' });
    expect(attempt).toMatchObject({ outcome: { kind: 'success', status: 201 }, freshTokenRetried: true });
    expect((await activitiesIn(installed.conversationId)).map((a) => a.text)).toEqual(['one', 'two']);
    expect((await stats()).tokensIssued).toBe(2);
  });

  it('a SingleTenant bot asks its own tenant for tokens', async () => {
    const { client, tokens } = setUp({ MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: devTenantId });
    const { target } = await installPersonal();
    expect((await client.sendToConversation(target, { type: 'message', text: 'hi' })).outcome.kind).toBe('success');
    expect((await stats()).requests[tokenRoute]).toEqual({ '200': 1 });
    const claims = JSON.parse(Buffer.from((await tokens.getToken()).split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ tid: devTenantId, appid: emulator.gatewaySettings().MicrosoftAppId, aud: 'https://api.botframework.com' });
  });

  it('reports a wrong secret as tokenError invalid_client and sends nothing', async () => {
    const { client } = setUp({ MicrosoftAppPassword: 'wrong-secret' });
    const { target } = await installPersonal();
    const attempt = await client.sendToConversation(target, { type: 'message', text: 'hi' });
    expect(attempt.outcome).toMatchObject({ kind: 'tokenError', code: 'invalid_client' });
    expect((await stats()).requests[sendRoute]).toBeUndefined();
  });

  it('never sends the token to a host outside the trusted list', async () => {
    const { client } = setUp();
    const { target } = await installPersonal();
    const attempt = await client.sendToConversation({ ...target, serviceUrl: target.serviceUrl.replace('127.0.0.1', 'localhost') }, { type: 'message', text: 'hi' });
    expect(attempt.outcome.kind).toBe('untrustedServiceUrl');
    const after = await stats();
    expect(after.tokensIssued).toBe(0);
    expect(after.requests[sendRoute]).toBeUndefined();
  });
});

describe('refresh ahead of expiry against the emulator', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('short-lived tokens are replaced before Teams would reject them: no 401 across expiry', async () => {
    // Only Date is faked (MSAL, the provider and the emulator all read it); timers and I/O stay real.
    jest.useFakeTimers({
      doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
      now: Date.now(),
    });
    await control('PUT', '/_control/limits', { tokenLifetimeInSeconds: 60 });
    const { client } = setUp();
    const { installed, target } = await installPersonal();
    const t0 = Date.now();

    expect((await client.sendToConversation(target, { type: 'message', text: 'at 0 s' })).outcome.kind).toBe('success');
    jest.setSystemTime(t0 + 40_000);
    // Past half-life: served from cache while one background refresh runs.
    const second = await client.sendToConversation(target, { type: 'message', text: 'at 40 s' });
    expect(second).toMatchObject({ outcome: { kind: 'success' }, freshTokenRetried: false });
    for (let i = 0; i < 200 && (await stats()).tokensIssued < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await stats()).tokensIssued).toBe(2);

    // The first token has now expired in Teams' eyes; the gateway already holds the next one.
    jest.setSystemTime(t0 + 65_000);
    const third = await client.sendToConversation(target, { type: 'message', text: 'at 65 s' });
    expect(third).toMatchObject({ outcome: { kind: 'success' }, freshTokenRetried: false });
    const after = await stats();
    expect(after.requests[sendRoute]).toEqual({ '201': 3 });
    expect(after.tokensIssued).toBe(2);
    expect((await activitiesIn(installed.conversationId))).toHaveLength(3);
  });
});
