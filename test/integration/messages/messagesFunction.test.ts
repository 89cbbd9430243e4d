import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';

import { devBot } from '../../../dev/devIdentity';
import { type ChannelTokenForgery } from '../../../dev/teamsEmulator/channelTokenIssuer';
import { startTeamsEmulator, type TeamsEmulator } from '../../../dev/teamsEmulator/teamsEmulator';
import { getConversationHandler, listConversationsHandler } from '../../../functions/conversations';
import { messagesHandler } from '../../../functions/messages';
import { getGatewayServices, resetGatewayServices } from '../../../shared/gatewayServices';
import { type ConversationView } from '../../../shared/http/conversationView';
import { botAccount, events, groupChat, ids, personalChat, type Place, teamChannel } from '../../unit/activity/teamsActivityFixtures';
import { type FunctionHttpServer, serveHandler } from './functionHttpServer';

/**
 * The real `messages` handler against the Teams emulator (signed activities, OpenID keys over HTTPS) and
 * Azurite (the real Tables SDK): what Teams sends is stored as sent, what it should not accept is refused.
 */
const openApi = JSON.parse(readFileSync(join(__dirname, '../../../docs/openapi.json'), 'utf8')) as {
  components: { schemas: { Conversation: { properties: Record<string, unknown> } } };
};
const documentedConversationFields = new Set(Object.keys(openApi.components.schemas.Conversation.properties));

let emulator: TeamsEmulator;
let gateway: FunctionHttpServer;
const savedEnv = { ...process.env };

beforeAll(async () => {
  emulator = await startTeamsEmulator({ port: 0, gatewayUrl: 'http://127.0.0.1:9' });
  gateway = await serveHandler('/api/messages', messagesHandler);
  emulator.setGatewayUrl(gateway.url);
  Object.assign(process.env, emulator.gatewaySettings(), { TablesConnection: process.env.TEST_TABLES_CONNECTION });
  resetGatewayServices();
});

afterAll(async () => {
  await Promise.all([emulator.close(), gateway.close()]);
  process.env = savedEnv;
  resetGatewayServices();
});

beforeEach(() => {
  // botframework-connector logs refused tokens with console.error, and the composition root logs its
  // (redacted) configuration once; neither helps read test output.
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

const context = (): InvocationContext => new InvocationContext({ logHandler: () => undefined });

async function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${emulator.url}/_control${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`emulator ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** What the gateway answered to each activity the emulator posted for one control call. */
const gatewayStatuses = (reply: Record<string, unknown>): number[] => (reply.gateway as { status: number }[]).map((g) => g.status);

async function post(activity: Record<string, unknown> | string, authorization?: string): Promise<HttpResponseInit> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const body = typeof activity === 'string' ? activity : JSON.stringify(activity);
  return messagesHandler(new HttpRequest({ method: 'POST', url: 'http://gateway.test/api/messages', headers, body: { string: body } }), context());
}

async function postSigned(activity: Record<string, unknown>, forge?: ChannelTokenForgery): Promise<HttpResponseInit> {
  const token = await emulator.signChannelToken(String(activity.serviceUrl), forge);
  return post(activity, `Bearer ${token}`);
}

async function stored(conversationId: string): Promise<{ status: number; body: ConversationView }> {
  const encoded = encodeURIComponent(conversationId);
  const response = await getConversationHandler(
    new HttpRequest({ method: 'GET', url: `http://gateway.test/api/conversations/${encoded}`, params: { id: encoded } }),
    context(),
  );
  return { status: response.status ?? 200, body: response.jsonBody as ConversationView };
}

const onEmulator = (place: Place): Place => ({ ...place, serviceUrl: emulator.publicServiceUrl });

describe('install, uninstall and re-install, as Teams sends them', () => {
  it.each([['personal'], ['groupChat']])('%s', async (type) => {
    const created = await control('POST', '/conversations', { type });
    expect(gatewayStatuses(created)).toEqual([200, 200]);
    const id = String(created.conversationId);

    const installed = await stored(id);
    expect(installed.status).toBe(200);
    expect(installed.body).toMatchObject({ conversationId: id, scope: type, tenantId: created.tenantId, status: 'active' });
    // The reference is the inbound activity's own: bot = recipient (28:<appId>), serviceUrl as Teams sent it.
    expect(installed.body.reference).toMatchObject({ bot: { id: `28:${devBot.appId}` }, serviceUrl: emulator.publicServiceUrl, channelId: 'msteams', conversation: { id } });
    if (type === 'personal') expect(installed.body.userAadObjectId).toBe((created.user as { aadObjectId: string }).aadObjectId);
    // Only what the published contract names: no store bookkeeping (ETag, indexedAt) in the body.
    expect(Object.keys(installed.body).filter((key) => !documentedConversationFields.has(key))).toEqual([]);

    expect(gatewayStatuses(await control('POST', `/conversations/${encodeURIComponent(id)}/uninstall`))).toEqual([200, 200]);
    const removed = await stored(id);
    expect(removed.body).toMatchObject({ status: 'removed', removedReason: 'installationRemoved' });
    expect(Date.parse(removed.body.removedAt!)).not.toBeNaN();
    expect(removed.body.reference.serviceUrl).toBe(emulator.publicServiceUrl);

    await control('POST', `/conversations/${encodeURIComponent(id)}/install`);
    const back = await stored(id);
    expect(back.body).toMatchObject({ status: 'active', statusReason: expect.stringMatching(/installationAdded|botAdded/) });
    expect(back.body.removedReason).toBeUndefined();
  });

  it('channel: the bot is installed per team, so an uninstall removes every stored channel of the team', async () => {
    const general = await control('POST', '/conversations', { type: 'channel' });
    const teamId = String(general.teamId);
    expect(general.conversationId).toBe(teamId);
    const other = await control('POST', '/conversations', { type: 'channel', teamId, channelId: ids.channel(), tenantId: general.tenantId });
    expect(gatewayStatuses(other)).toEqual([200, 200]);
    expect((await stored(teamId)).body).toMatchObject({ scope: 'channel', teamId, teamsChannelId: teamId, status: 'active' });

    await control('POST', `/conversations/${encodeURIComponent(teamId)}/uninstall`);
    expect((await stored(teamId)).body).toMatchObject({ status: 'removed', removedReason: 'installationRemoved' });
    expect((await stored(String(other.conversationId))).body).toMatchObject({ status: 'removed', removedReason: 'installationRemoved' });

    await control('POST', `/conversations/${encodeURIComponent(teamId)}/install`);
    expect((await stored(teamId)).body.status).toBe('active');
    expect((await stored(String(other.conversationId))).body.status).toBe('active');
  });

  it('a user writing again reactivates a conversation the send path pruned (blocked, then unblocked)', async () => {
    const created = await control('POST', '/conversations', { type: 'personal' });
    const id = String(created.conversationId);
    const { conversationStore } = await getGatewayServices();
    await conversationStore.markRemoved(id, 'ConversationBlockedByUser', new Date());
    expect((await stored(id)).body.status).toBe('removed');

    expect(gatewayStatuses(await control('POST', `/conversations/${encodeURIComponent(id)}/messages`, { text: 'I am back' }))).toEqual([200]);
    expect((await stored(id)).body).toMatchObject({ status: 'active', statusReason: 'userActivity' });
  });

  it('a channel post is stored as its own thread conversation, and the channel stays the team target', async () => {
    const general = await control('POST', '/conversations', { type: 'channel' });
    const reply = await control('POST', `/conversations/${encodeURIComponent(String(general.conversationId))}/messages`, { text: 'hi bot' });
    const threadId = String(reply.conversationId);
    expect(threadId).toContain(';messageid=');
    expect((await stored(threadId)).body).toMatchObject({ scope: 'channel', isThread: true, teamId: general.teamId });
    const { conversationStore } = await getGatewayServices();
    expect((await conversationStore.findTeamChannel(String(general.teamId)))?.conversationId).toBe(general.conversationId);
  });
});

describe('refusals: nothing is stored', () => {
  const forgeries: [string, ChannelTokenForgery][] = [
    ['an expired token', { expired: true }],
    ['a token for another audience', { audience: 'another-bot-app-id' }],
    ['a token from another issuer', { issuer: 'https://evil.example' }],
    ['a token signed by a key not endorsed for msteams', { unendorsedKey: true }],
    ['a token signed by an unpublished key', { unknownKey: true }],
    ['a token for another serviceUrl', { serviceUrlClaim: 'https://smba.trafficmanager.net/amer/' }],
    ['a token without a serviceurl claim', { serviceUrlClaim: null }],
    ['a token not valid yet', { notBeforeInFuture: true }],
  ];

  it.each(forgeries)('401 for %s', async (_case, forge) => {
    const place = onEmulator(personalChat());
    const response = await postSigned(events.install(place), forge);
    expect(response.status).toBe(401);
    expect(response.jsonBody).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect((await stored(place.conversationId)).status).toBe(404);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a non-Bearer scheme', 'Basic Ym90OnNlY3JldA=='],
    ['a token that is not a JWT', 'Bearer abc.def'],
  ])('401 for %s', async (_case, authorization) => {
    const place = onEmulator(personalChat());
    expect((await post(events.install(place), authorization)).status).toBe(401);
    expect((await stored(place.conversationId)).status).toBe(404);
  });

  it('401 for a valid token replayed with a different activity serviceUrl', async () => {
    const place = onEmulator(personalChat());
    const token = await emulator.signChannelToken(emulator.publicServiceUrl);
    const response = await post({ ...events.install(place), serviceUrl: emulator.gccServiceUrl }, `Bearer ${token}`);
    expect(response.status).toBe(401);
    expect((await stored(place.conversationId)).status).toBe(404);
  });

  it('403 UNTRUSTED_SERVICE_URL for a genuine token naming a host the gateway does not trust', async () => {
    const place = personalChat({ serviceUrl: 'https://smba.trafficmanager.net.evil.example/amer/' });
    const response = await postSigned(events.install(place));
    expect(response.status).toBe(403);
    expect(response.jsonBody).toMatchObject({ error: { code: 'UNTRUSTED_SERVICE_URL', details: [{ path: 'serviceUrl' }] } });
    expect((await stored(place.conversationId)).status).toBe(404);
  });

  it('400 with a JSON error for a body that is not an activity (after the token is checked)', async () => {
    const token = await emulator.signChannelToken(emulator.publicServiceUrl);
    const notActivity = await post({ serviceUrl: emulator.publicServiceUrl, channelId: 'msteams', hello: 'world' }, `Bearer ${token}`);
    expect(notActivity.status).toBe(400);
    expect(notActivity.jsonBody).toMatchObject({ error: { code: 'BAD_REQUEST', details: expect.arrayContaining([expect.objectContaining({ path: 'type' })]) } });
    expect((await post('{not json', `Bearer ${token}`)).status).toBe(400);
    // Without a valid token the same body is a 401: the schema is not revealed to strangers.
    expect((await post('{not json')).status).toBe(401);
  });
});

describe('ids and concurrency', () => {
  it.each([
    ['a personal chat', () => `a:1${ids.personal().slice(3)}`],
    ['a channel thread', () => `${ids.channel()};messageid=1699999999999`],
    ['a group chat', () => ids.groupChat()],
    ['slash, hash and question mark', () => `19:${ids.aad()}/x#y?z@thread.v2`],
  ])('%s id round-trips through the handler and GET /api/conversations/{id}', async (_case, makeId) => {
    const conversationId = makeId();
    const place = onEmulator(groupChat({ conversationId }));
    expect((await postSigned(events.install(place))).status).toBe(200);
    const found = await stored(conversationId);
    expect(found.status).toBe(200);
    expect(found.body.conversationId).toBe(conversationId);
    expect(found.body.reference.conversation.id).toBe(conversationId);
  });

  it('ids with / # ? created through the emulator round-trip too', async () => {
    const conversationId = `a:1/${ids.aad()}#x?y`;
    const created = await control('POST', '/conversations', { type: 'personal', conversationId });
    expect(gatewayStatuses(created)).toEqual([200, 200]);
    expect((await stored(conversationId)).body.conversationId).toBe(conversationId);
  });

  it('concurrent activities for one conversation are all applied, none lost', async () => {
    const place = onEmulator(personalChat());
    expect((await postSigned(events.install(place))).status).toBe(200);
    const responses = await Promise.all(Array.from({ length: 8 }, async (_, i) => postSigned(events.message(place, `m${i}`))));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect((await stored(place.conversationId)).body.revision).toBe(9);
  });

  it('a late install stamped before a stored uninstall does not reactivate', async () => {
    const place = onEmulator(personalChat());
    const now = Date.now();
    expect((await postSigned(events.uninstall(place, new Date(now - 1_000)))).status).toBe(200);
    expect((await postSigned(events.install(place, new Date(now - 5_000)))).status).toBe(200);
    expect((await stored(place.conversationId)).body).toMatchObject({ status: 'removed', removedReason: 'installationRemoved' });
  });
});

describe('signing keys', () => {
  it('accepts activities signed with a rotated key at once', async () => {
    await control('POST', '/keys/rotate');
    const created = await control('POST', '/conversations', { type: 'personal' });
    expect(gatewayStatuses(created)).toEqual([200, 200]);
  });
});

describe('GET /api/conversations', () => {
  it('lists a tenant and answers 404 with a JSON error for an unknown id', async () => {
    const tenantId = ids.tenant();
    const first = await control('POST', '/conversations', { type: 'personal', tenantId });
    await control('POST', '/conversations', { type: 'groupChat', tenantId });
    const list = await listConversationsHandler(new HttpRequest({ method: 'GET', url: `http://gateway.test/api/conversations?tenantId=${tenantId}&status=active` }), context());
    expect(list.status).toBe(200);
    expect((list.jsonBody as { items: ConversationView[] }).items.map((c) => c.scope).sort()).toEqual(['groupChat', 'personal']);

    const mine = await listConversationsHandler(
      new HttpRequest({ method: 'GET', url: `http://gateway.test/api/conversations?tenantId=${tenantId}&userId=${(first.user as { aadObjectId: string }).aadObjectId}` }),
      context(),
    );
    expect((mine.jsonBody as { items: ConversationView[] }).items.map((c) => c.conversationId)).toEqual([first.conversationId]);

    const missing = await stored(`a:1never-${ids.aad()}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 'NOT_FOUND', details: [{ path: 'id' }] } });

    const bad = await listConversationsHandler(new HttpRequest({ method: 'GET', url: 'http://gateway.test/api/conversations?userId=u' }), context());
    expect(bad.status).toBe(400);
  });

  it('the bot account stored is the one Teams named as recipient', async () => {
    const place = onEmulator(teamChannel());
    await postSigned(events.install(place));
    expect((await stored(place.conversationId)).body.reference.bot).toEqual(botAccount);
  });
});

describe('limits: no anonymous request costs a body read, and what storage cannot hold is a final 4xx', () => {
  const big = (bytes: number): string => `{"type":"message","text":"${'x'.repeat(bytes)}"}`;

  function request(body: string, headers: Record<string, string>): HttpRequest {
    return new HttpRequest({ method: 'POST', url: 'http://gateway.test/api/messages', headers: { 'content-type': 'application/json', ...headers }, body: { string: body } });
  }

  it.each([
    ['a malformed bearer token', { authorization: 'Bearer x.y.z' }],
    ['no Authorization header', {}],
  ])('a 25 MB body with %s is refused 401 without its body being read', async (_case, headers: Record<string, string>) => {
    const anonymous = request(big(25 * 1024 * 1024), headers);
    const response = await messagesHandler(anonymous, context());
    expect(response.status).toBe(401);
    expect(anonymous.bodyUsed).toBe(false);
  });

  it('a forged but well-formed token is refused 401 without reading the body', async () => {
    const token = await emulator.signChannelToken(emulator.publicServiceUrl, { unknownKey: true });
    const forged = request(big(1024), { authorization: `Bearer ${token}` });
    expect((await messagesHandler(forged, context())).status).toBe(401);
    expect(forged.bodyUsed).toBe(false);
  });

  it('a genuine token with a body over 512 KiB is 413, nothing stored', async () => {
    const place = onEmulator(personalChat());
    const token = await emulator.signChannelToken(emulator.publicServiceUrl);
    const activity = events.message(place, 'x'.repeat(600 * 1024));
    const response = await messagesHandler(request(JSON.stringify(activity), { authorization: `Bearer ${token}` }), context());
    expect(response.status).toBe(413);
    expect(response.jsonBody).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect((await stored(place.conversationId)).status).toBe(404);
  });

  it('a body that is not application/json is 415; a write from a page of another origin is 403', async () => {
    const place = onEmulator(personalChat());
    const token = await emulator.signChannelToken(emulator.publicServiceUrl);
    const body = JSON.stringify(events.install(place));
    const plain = await messagesHandler(request(body, { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }), context());
    expect(plain.status).toBe(415);
    expect(plain.jsonBody).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', details: [{ path: 'content-type' }] } });
    const foreign = await messagesHandler(request(body, { authorization: `Bearer ${token}`, origin: 'https://evil.example' }), context());
    expect(foreign.status).toBe(403);
    expect((await stored(place.conversationId)).status).toBe(404);
  });

  it('an activity of another channel (webchat) is 400 naming channelId, nothing stored', async () => {
    const place = onEmulator(personalChat());
    const response = await postSigned({ ...events.install(place), channelId: 'webchat' });
    expect(response.status).toBe(400);
    expect(response.jsonBody).toMatchObject({ error: { code: 'BAD_REQUEST', details: [{ path: 'channelId' }] } });
    expect((await stored(place.conversationId)).status).toBe(404);
  });

  const oversized: [string, (place: Place) => Record<string, unknown>, string][] = [
    ['a 600-byte conversation id', (place) => events.install({ ...place, conversationId: `a:1${'x'.repeat(597)}` }), 'conversation.id'],
    ['a conversation id with U+2028', (place) => events.install({ ...place, conversationId: `a:1\u2028${ids.aad()}` }), 'conversation.id'],
    ['a 5,000-character tenant id', (place) => events.install({ ...place, tenantId: 't'.repeat(5_000) }), 'conversation.tenantId'],
    ['a 5,000-character user id', (place) => events.install({ ...place, user: { ...place.user, aadObjectId: 'u'.repeat(5_000) } }), 'from.aadObjectId'],
    ['a `from` over 64 KB', (place) => events.install({ ...place, user: { ...place.user, name: 'n'.repeat(70_000) } }), 'from'],
    ['a `conversation` over 64 KB', (place) => ({ ...events.install(place), conversation: { ...(events.install(place).conversation as object), name: 'n'.repeat(70_000) } }), 'conversation'],
  ];

  it.each(oversized)('%s: 400 naming the field (the channel does not retry a 4xx), nothing stored, logged', async (_case, make, path) => {
    const place = onEmulator(personalChat());
    const activity = make(place);
    const token = await emulator.signChannelToken(emulator.publicServiceUrl);
    const logs: string[] = [];
    const logged = new InvocationContext({ logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`) });
    const response = await messagesHandler(request(JSON.stringify(activity), { authorization: `Bearer ${token}` }), logged);
    expect(response.status).toBe(400);
    expect((response.jsonBody as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toContain(path);
    expect(logs.join('\n')).toMatch(/^warning: messages: refused \(BAD_REQUEST\)/m);
    expect(logs.join('\n')).not.toContain(token);
    if (place.conversationId === (activity.conversation as { id: string }).id) expect((await stored(place.conversationId)).status).toBe(404);
  });

  it('GET /api/conversations/{id} answers 400, not a storage error, for an id storage could not hold', async () => {
    const tooLong = await stored(`a:1${'x'.repeat(600)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ error: { code: 'BAD_REQUEST', details: [{ path: 'id' }] } });
    const list = await listConversationsHandler(new HttpRequest({ method: 'GET', url: `http://gateway.test/api/conversations?tenantId=${'t'.repeat(5_000)}` }), context());
    expect(list.status).toBe(400);
  });
});
