import { OutboundTokenError } from '../../../shared/auth/outboundTokenError';
import { type OutboundTokenProvider } from '../../../shared/auth/outboundTokenProvider';
import { type GatewayConfig, loadConfig } from '../../../shared/config';
import { type BotConnectorClient, type ConnectorConversationTarget, createBotConnectorClient } from '../../../shared/connector/botConnectorClient';
import { type ConnectorTestServer, json, startConnectorTestServer } from './connectorTestServer';

/** Counts token calls; every forced refresh yields a new token. */
class FakeTokens implements OutboundTokenProvider {
  getTokenCalls = 0;
  readonly forceRefreshCalls: Array<string | undefined> = [];
  failWith: OutboundTokenError | undefined;
  private issued = 1;
  private current = 'token-1';
  getToken(): Promise<string> {
    this.getTokenCalls += 1;
    return this.failWith === undefined ? Promise.resolve(this.current) : Promise.reject(this.failWith);
  }
  forceRefresh(rejectedToken?: string): Promise<string> {
    this.forceRefreshCalls.push(rejectedToken);
    this.issued += 1;
    this.current = `token-${this.issued}`;
    return Promise.resolve(this.current);
  }
}

const conversationId = 'a:1Xq;messageid=17@thread.v2/x?y#z';
const now = new Date('2026-03-01T08:00:00Z');

let server: ConnectorTestServer;
let tokens: FakeTokens;
let config: GatewayConfig;
let client: BotConnectorClient;
let target: ConnectorConversationTarget;

beforeAll(async () => {
  server = await startConnectorTestServer();
  config = loadConfig({
    MicrosoftAppId: 'app-id',
    MicrosoftAppPassword: 'not-logged',
    TablesConnection: 'UseDevelopmentStorage=true',
    TrustedServiceUrlHosts: server.host,
  });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.requests.length = 0;
  server.respond(json(201, { id: 'activity-1' }));
  tokens = new FakeTokens();
  client = createBotConnectorClient(config, tokens, { now: () => now });
  target = {
    serviceUrl: server.serviceUrl,
    conversation: { id: conversationId, tenantId: 'tenant-1', conversationType: 'personal' },
    bot: { id: '28:app-id', name: 'Notifier' },
    channelId: 'msteams',
  };
});

const activity = { type: 'message' as const, text: 'Deploy finished' };

describe('sendToConversation', () => {
  it('posts once to the stored serviceUrl, as the stored bot, with the bearer token', async () => {
    const attempt = await client.sendToConversation(target, { ...activity, from: { id: 'someone-else' } });
    expect(attempt).toEqual({ outcome: { kind: 'success', status: 201, id: 'activity-1' }, freshTokenRetried: false });
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/amer/v3/conversations/${encodeURIComponent(conversationId)}/activities`);
    expect(decodeURIComponent(request.path.split('/')[4]!)).toBe(conversationId);
    expect(request.authorization).toBe('Bearer token-1');
    const body = JSON.parse(request.body);
    expect(body.from).toEqual({ id: '28:app-id', name: 'Notifier' });
    expect(body.conversation).toEqual({ id: conversationId, tenantId: 'tenant-1', conversationType: 'personal' });
    expect(body.text).toBe('Deploy finished');
    expect(body.channelId).toBe('msteams');
  });

  it.each([500, 502, 503, 504, 412])('sends exactly one request on %i (the SDK retries are off)', async (status) => {
    server.respond(json(status, { error: { code: 'ServiceError', message: 'Unknown' } }));
    const attempt = await client.sendToConversation(target, activity);
    expect(attempt.outcome).toEqual({ kind: 'httpError', status, code: 'ServiceError', message: 'Unknown' });
    expect(server.requests).toHaveLength(1);
  });

  it('reports 429 with Retry-After in seconds after one request', async () => {
    server.respond(json(429, { error: { code: 'Throttled', message: 'Too many requests' } }, { 'retry-after': '3' }));
    const attempt = await client.sendToConversation(target, activity);
    expect(attempt.outcome).toEqual({ kind: 'httpError', status: 429, code: 'Throttled', message: 'Too many requests', retryAfterInMs: 3000 });
    expect(server.requests).toHaveLength(1);
  });

  it('reads a Retry-After HTTP-date against the injected clock', async () => {
    server.respond(json(429, {}, { 'retry-after': new Date(now.getTime() + 7_000).toUTCString() }));
    const attempt = await client.sendToConversation(target, activity);
    expect(attempt.outcome).toMatchObject({ kind: 'httpError', status: 429, retryAfterInMs: 7_000 });
  });

  it('parses Teams error codes that mean the conversation is gone', async () => {
    server.respond(json(403, { error: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' } }));
    const attempt = await client.sendToConversation(target, activity);
    expect(attempt.outcome).toEqual({ kind: 'httpError', status: 403, code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' });
    expect(tokens.forceRefreshCalls).toHaveLength(0);
  });

  it('on 401 drops the token and retries once with a new one; a second 401 is reported', async () => {
    server.respond(json(401, { message: 'Authorization has been denied for this request.' }));
    const attempt = await client.sendToConversation(target, activity);
    expect(attempt).toEqual({
      outcome: { kind: 'httpError', status: 401, message: 'Authorization has been denied for this request.' },
      freshTokenRetried: true,
    });
    expect(server.requests.map((r) => r.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(tokens.forceRefreshCalls).toEqual(['token-1']);
  });

  it('on 401 then success reports the success and that a fresh token was needed', async () => {
    server.respond((request, response) => json(request.authorization === 'Bearer token-1' ? 401 : 201, request.authorization === 'Bearer token-1' ? { message: 'denied' } : { id: 'activity-2' })(request, response));
    const attempt = await client.sendToConversation(target, activity);
    expect(attempt).toEqual({ outcome: { kind: 'success', status: 201, id: 'activity-2' }, freshTokenRetried: true });
    expect(server.requests).toHaveLength(2);
  });

  it('times out a hung request after the per-request timeout, with one request', async () => {
    server.respond(() => undefined);
    const attempt = await client.sendToConversation(target, activity, { timeoutInMs: 150 });
    expect(attempt.outcome).toEqual({ kind: 'timeout', timeoutInMs: 150 });
    expect(server.requests).toHaveLength(1);
  });

  it('reports a reset connection as networkError ECONNRESET, without retrying', async () => {
    server.respond((_request, response) => response.socket?.destroy());
    const attempt = await client.sendToConversation(target, activity);
    expect(attempt.outcome).toMatchObject({ kind: 'networkError', code: 'ECONNRESET' });
    expect(server.requests).toHaveLength(1);
  });

  it('reports a refused connection as networkError ECONNREFUSED', async () => {
    const closed = await startConnectorTestServer();
    await closed.close();
    const refusedConfig = { ...config, trustedServiceUrlHosts: [closed.host] };
    const refusedClient = createBotConnectorClient(refusedConfig, tokens);
    const attempt = await refusedClient.sendToConversation({ ...target, serviceUrl: closed.serviceUrl }, activity);
    expect(attempt.outcome).toMatchObject({ kind: 'networkError', code: 'ECONNREFUSED' });
  });

  it('does not follow redirects (the token stays with the trusted host)', async () => {
    server.respond(json(307, {}, { location: '/elsewhere/' }));
    const attempt = await client.sendToConversation(target, activity);
    expect(attempt.outcome).toMatchObject({ kind: 'httpError', status: 307 });
    expect(server.requests).toHaveLength(1);
  });

  it('reports an abort by the caller as networkError ABORTED', async () => {
    server.respond(() => undefined);
    const controller = new AbortController();
    const pending = client.sendToConversation(target, activity, { abortSignal: controller.signal });
    controller.abort();
    expect((await pending).outcome).toMatchObject({ kind: 'networkError', code: 'ABORTED' });
  });

  it('counts a 2xx with an unreadable body as delivered (no duplicate on retry)', async () => {
    server.respond((_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end('{not json');
    });
    expect((await client.sendToConversation(target, activity)).outcome).toEqual({ kind: 'success', status: 201 });
  });

  it('reuses one keep-alive connection per serviceUrl', async () => {
    await client.sendToConversation(target, activity);
    await client.sendToConversation(target, activity);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.connection).toBe(server.requests[0]!.connection);
  });
});

describe('trust and tokens', () => {
  it.each([
    'https://evil.example/amer/',
    'https://smba.trafficmanager.net.evil.example/amer/',
    'http://smba.trafficmanager.net/amer/',
    'not a url',
  ])('never asks for a token nor sends anything to %s', async (serviceUrl) => {
    const attempt = await client.sendToConversation({ ...target, serviceUrl }, activity);
    expect(attempt).toEqual({ outcome: { kind: 'untrustedServiceUrl', serviceUrl }, freshTokenRetried: false });
    expect(tokens.getTokenCalls).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  it('checks trust for every operation', async () => {
    const untrusted = { ...target, serviceUrl: 'https://evil.example/' };
    expect((await client.updateActivity(untrusted, 'a1', activity)).outcome.kind).toBe('untrustedServiceUrl');
    expect((await client.deleteActivity(untrusted, 'a1')).outcome.kind).toBe('untrustedServiceUrl');
    expect((await client.createPersonalConversation({ serviceUrl: 'https://evil.example/', bot: target.bot, tenantId: 't', userId: 'u' })).outcome.kind).toBe('untrustedServiceUrl');
    expect(tokens.getTokenCalls).toBe(0);
  });

  it('reports a token failure as tokenError with the AAD code and sends nothing', async () => {
    tokens.failWith = new OutboundTokenError('invalid_client', 'Bot token acquisition failed: invalid_client: AADSTS7000215');
    const attempt = await client.sendToConversation(target, activity);
    expect(attempt.outcome).toEqual({ kind: 'tokenError', code: 'invalid_client', message: 'Bot token acquisition failed: invalid_client: AADSTS7000215' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('update, delete and create', () => {
  it('updates with PUT to the stored activity id', async () => {
    server.respond(json(200, { id: 'activity-9' }));
    const attempt = await client.updateActivity(target, '1:activity-9', { type: 'message', text: 'Deploy rolled back' });
    expect(attempt.outcome).toEqual({ kind: 'success', status: 200, id: 'activity-9' });
    const request = server.requests[0]!;
    expect(request.method).toBe('PUT');
    expect(request.path).toBe(`/amer/v3/conversations/${encodeURIComponent(conversationId)}/activities/${encodeURIComponent('1:activity-9')}`);
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({ id: '1:activity-9', text: 'Deploy rolled back', from: { id: '28:app-id' } });
  });

  it('deletes with DELETE and treats 204 as success', async () => {
    server.respond((_request, response) => {
      response.writeHead(204);
      response.end();
    });
    const attempt = await client.deleteActivity(target, 'activity-9');
    expect(attempt.outcome).toEqual({ kind: 'success', status: 204 });
    expect(server.requests[0]!.method).toBe('DELETE');
    expect(server.requests[0]!.path).toBe(`/amer/v3/conversations/${encodeURIComponent(conversationId)}/activities/activity-9`);
  });

  it('creates a personal conversation with the Teams body and returns its id', async () => {
    server.respond(json(201, { id: 'a:new-personal-chat' }));
    const attempt = await client.createPersonalConversation({ serviceUrl: server.serviceUrl, bot: target.bot, tenantId: 'tenant-1', userId: 'aad-object-id-1' });
    expect(attempt.outcome).toEqual({ kind: 'success', status: 201, id: 'a:new-personal-chat' });
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/amer/v3/conversations');
    expect(JSON.parse(request.body)).toEqual({
      isGroup: false,
      bot: { id: '28:app-id', name: 'Notifier' },
      members: [{ id: 'aad-object-id-1' }],
      tenantId: 'tenant-1',
      channelData: { tenant: { id: 'tenant-1' } },
    });
  });

  it('also retries a 401 on update once with a fresh token', async () => {
    server.respond(json(401, { message: 'denied' }));
    const attempt = await client.updateActivity(target, 'activity-9', activity);
    expect(attempt.freshTokenRetried).toBe(true);
    expect(server.requests).toHaveLength(2);
  });
});
