import { devBot } from '../../../dev/devIdentity';
import { startTeamsEmulator } from '../../../dev/teamsEmulator/teamsEmulator';
import {
  activitiesPath,
  botMessage,
  botToken,
  connector,
  control,
  createConversation,
  useEmulatorRig,
} from './emulatorFixture';

let now = Date.parse('2026-06-01T09:00:00.000Z');
const rig = useEmulatorRig({ clock: () => now });
let token: string;

beforeAll(async () => {
  token = await botToken(rig.emulator);
});

beforeEach(async () => {
  // The clock is pinned, so every request lands in the same instant: rate limits have their own suite.
  await control(rig.emulator, 'PUT', '/limits', { conversation: [], tenant: [] });
});

interface ActivityView {
  id: string;
  type: string;
  text?: string;
  replyToId?: string;
  receivedCount: number;
  updateCount: number;
  deleted: boolean;
}

async function conversationActivities(conversationId: string): Promise<ActivityView[]> {
  const reply = await control(rig.emulator, 'GET', `/conversations/${encodeURIComponent(conversationId)}/activities`);
  return reply.body.activities as ActivityView[];
}

describe('sending, replying, updating and deleting', () => {
  it('answers a send with 201 and a Teams-style id, and shows the message in the conversation', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const sent = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('Deploy finished'));
    expect(sent.status).toBe(201);
    expect(sent.body.id).toMatch(/^\d{13,}$/);
    const [posted] = await conversationActivities(conversationId);
    expect(posted).toMatchObject({ id: sent.body.id, type: 'message', text: 'Deploy finished', receivedCount: 1, deleted: false });
  });

  it('threads a reply to the activity named in the path', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const first = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('first'));
    const reply = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId, first.body.id), botMessage('reply'));
    expect(reply.status).toBe(201);
    expect((await conversationActivities(conversationId))[1]).toMatchObject({ id: reply.body.id, replyToId: first.body.id });
  });

  it('applies an update (200) and a delete (200), then answers 404 ActivityNotFoundInConversation', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const sent = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('v1'));
    const updated = await connector(serviceUrl, token, 'PUT', activitiesPath(conversationId, sent.body.id), botMessage('v2'));
    expect(updated).toMatchObject({ status: 200, body: { id: sent.body.id } });
    expect((await conversationActivities(conversationId))[0]).toMatchObject({ text: 'v2', updateCount: 1 });

    const deleted = await connector(serviceUrl, token, 'DELETE', activitiesPath(conversationId, sent.body.id));
    expect(deleted.status).toBe(200);
    expect((await conversationActivities(conversationId))[0]).toMatchObject({ deleted: true });

    for (const [method, body] of [
      ['PUT', botMessage('v3')],
      ['DELETE', undefined],
    ] as const) {
      const gone = await connector(serviceUrl, token, method, activitiesPath(conversationId, sent.body.id), body);
      expect(gone).toMatchObject({ status: 404, body: { error: { code: 'ActivityNotFoundInConversation' } } });
    }
    const unknown = await connector(serviceUrl, token, 'PUT', activitiesPath(conversationId, '1234'), botMessage('x'));
    expect(unknown.body.error.code).toBe('ActivityNotFoundInConversation');
  });

  it('shows a duplicate send as one message received twice', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const a = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('once, please'));
    const b = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('once, please'));
    expect(b.body.id).toBe(a.body.id);
    const activities = await conversationActivities(conversationId);
    expect(activities).toHaveLength(1);
    expect(activities[0]?.receivedCount).toBe(2);
    expect((await control(rig.emulator, 'GET', '/stats')).body.duplicates).toBe(1);
  });

  it.each(['a:1/slash#hash?query=1', '19:odd;messageid=17@thread.v2', '29:1 spaced%percent'])(
    'decodes the conversation id %s exactly once',
    async (conversationId) => {
      const created = await createConversation(rig.emulator, { type: 'groupChat', conversationId });
      expect(created.conversationId).toBe(conversationId);
      const sent = await connector(created.serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('odd id'));
      expect(sent.status).toBe(201);
      expect(await conversationActivities(conversationId)).toHaveLength(1);
    },
  );

  it('lists the roster as Teams channel accounts', async () => {
    const created = await createConversation(rig.emulator, { type: 'personal', user: { aadObjectId: '1b2c3d4e-0000-4000-8000-0000000000aa', name: 'Grace Hopper' } });
    const members = await connector(created.serviceUrl, token, 'GET', `v3/conversations/${encodeURIComponent(created.conversationId)}/members`);
    expect(members.status).toBe(200);
    expect(members.body).toEqual([
      expect.objectContaining({ id: created.user.id, aadObjectId: '1b2c3d4e-0000-4000-8000-0000000000aa', name: 'Grace Hopper', givenName: 'Grace', surname: 'Hopper', tenantId: created.tenantId }),
    ]);
  });
});

describe('creating conversations', () => {
  it("opens the installed user's personal chat by 29: id or Entra object id, optionally with a first message", async () => {
    const created = await createConversation(rig.emulator, { type: 'personal', user: { aadObjectId: '0c0c0c0c-0000-4000-8000-000000000001' } });
    const params = { bot: { id: `28:${devBot.appId}` }, tenantId: created.tenantId, isGroup: false };
    const byUserId = await connector(created.serviceUrl, token, 'POST', 'v3/conversations', { ...params, members: [{ id: created.user.id }] });
    expect(byUserId).toMatchObject({ status: 201, body: { id: created.conversationId } });
    const byAad = await connector(created.serviceUrl, token, 'POST', 'v3/conversations', {
      ...params,
      channelData: { tenant: { id: created.tenantId } },
      tenantId: undefined,
      members: [{ id: created.user.aadObjectId }],
      activity: botMessage('hello, first message'),
    });
    expect(byAad.status).toBe(201);
    expect(byAad.body.id).toBe(created.conversationId);
    expect((await conversationActivities(created.conversationId))[0]).toMatchObject({ id: byAad.body.activityId, text: 'hello, first message' });
  });

  it('answers 403 ForbiddenOperationException when the bot is not installed in the personal scope', async () => {
    const created = await createConversation(rig.emulator, { type: 'personal' });
    await control(rig.emulator, 'POST', `/conversations/${encodeURIComponent(created.conversationId)}/uninstall`);
    for (const memberId of [created.user.id, '29:1someone-else']) {
      const refused = await connector(created.serviceUrl, token, 'POST', 'v3/conversations', { tenantId: created.tenantId, members: [{ id: memberId }] });
      expect(refused).toMatchObject({ status: 403, body: { error: { code: 'ForbiddenOperationException' } } });
    }
  });

  it('starts a channel thread and addresses it as <channel>;messageid=<id>', async () => {
    const created = await createConversation(rig.emulator, { type: 'channel' });
    const thread = await connector(created.serviceUrl, token, 'POST', 'v3/conversations', {
      isGroup: true,
      channelData: { channel: { id: created.channelId }, tenant: { id: created.tenantId } },
      activity: botMessage('Incident opened'),
    });
    expect(thread.status).toBe(201);
    expect(thread.body.id).toBe(`${created.channelId};messageid=${thread.body.activityId}`);
    const reply = await connector(created.serviceUrl, token, 'POST', activitiesPath(thread.body.id), botMessage('Update 1'));
    expect(reply.status).toBe(201);
    expect((await conversationActivities(thread.body.id)).map((a) => a.text)).toEqual(['Incident opened', 'Update 1']);
  });

  it('refuses bad create requests with 400 BadArgument', async () => {
    const created = await createConversation(rig.emulator, { type: 'personal' });
    for (const body of [{ members: [{ id: created.user.id }] }, { tenantId: created.tenantId, isGroup: true, members: [] }, { tenantId: created.tenantId, members: [] }]) {
      const refused = await connector(created.serviceUrl, token, 'POST', 'v3/conversations', body);
      expect(refused).toMatchObject({ status: 400, body: { error: { code: 'BadArgument' } } });
    }
  });
});

describe('refusals, each with Teams’ status and body', () => {
  it('answers 401 with the Connector body for a missing, wrong-audience, expired or forged token', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const path = activitiesPath(conversationId);
    const denied = { status: 401, body: { message: 'Authorization has been denied for this request.' } };
    expect(await connector(serviceUrl, undefined, 'POST', path, botMessage('x'))).toMatchObject(denied);
    const wrongAudience = await botToken(rig.emulator, { scope: `api://botid-${devBot.appId}/.default` });
    expect(await connector(serviceUrl, wrongAudience, 'POST', path, botMessage('x'))).toMatchObject(denied);
    const [header, payload, signature] = token.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), appid: 'x' })).toString('base64url')}.${signature}`;
    expect(await connector(serviceUrl, tampered, 'POST', path, botMessage('x'))).toMatchObject(denied);

    await control(rig.emulator, 'PUT', '/limits', { tokenLifetimeInSeconds: 60 });
    const shortLived = await botToken(rig.emulator);
    expect((await connector(serviceUrl, shortLived, 'POST', path, botMessage('in time'))).status).toBe(201);
    now += 60_000;
    expect(await connector(serviceUrl, shortLived, 'POST', path, botMessage('too late'))).toMatchObject(denied);
  });

  it('answers 401 BotNotRegistered for a well-signed token issued to another app', async () => {
    const otherApp = await startTeamsEmulator({ port: 0, appId: '7e7e7e7e-0000-4000-8000-000000000001', appPassword: 'other', clock: () => now });
    try {
      const foreign = await botToken(otherApp, { client_id: '7e7e7e7e-0000-4000-8000-000000000001', client_secret: 'other' });
      const { conversationId, serviceUrl } = await createConversation(rig.emulator);
      const refused = await connector(serviceUrl, foreign, 'POST', activitiesPath(conversationId), botMessage('x'));
      expect(refused).toMatchObject({ status: 401, body: { error: { code: 'BotNotRegistered' } } });
    } finally {
      await otherApp.close();
    }
  });

  it("answers a bare 403 when from is not the bot's 28: account, and 400 when from is missing", async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const foreign = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('x', { from: { id: devBot.appId } }));
    expect(foreign.status).toBe(403);
    expect(foreign.body).toBeUndefined();
    const missing = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), { type: 'message', text: 'x' });
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'BadArgument', message: 'Activity.From field is required' } } });
  });

  it.each([
    ['uninstall', 'BotNotInConversationRoster'],
    ['block', 'ConversationBlockedByUser'],
  ])('answers 403 after the conversation is %sed: %s', async (action, code) => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator, { type: 'groupChat' });
    await control(rig.emulator, 'POST', `/conversations/${encodeURIComponent(conversationId)}/${action}`);
    const refused = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('x'));
    expect(refused).toMatchObject({ status: 403, body: { error: { code } } });
  });

  it('answers 403 BotDisabledByAdmin in a tenant whose admin disabled the bot, until enabled again', async () => {
    const { conversationId, serviceUrl, tenantId } = await createConversation(rig.emulator, { type: 'personal', tenantId: 'aaaaaaaa-0000-4000-8000-00000000000d' });
    await control(rig.emulator, 'POST', `/tenants/${tenantId}/disable`);
    expect((await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('x'))).body.error.code).toBe('BotDisabledByAdmin');
    await control(rig.emulator, 'POST', `/tenants/${tenantId}/enable`);
    expect((await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('x'))).status).toBe(201);
  });

  it('answers 403 InvalidBotApiHost for a GCC tenant addressed off the GCC base, and works on it', async () => {
    const tenantId = 'aaaaaaaa-0000-4000-8000-00000000000c';
    const { conversationId, serviceUrl } = await createConversation(rig.emulator, { type: 'personal', tenantId });
    expect(serviceUrl).toBe(rig.emulator.publicServiceUrl);
    await control(rig.emulator, 'PUT', `/tenants/${tenantId}`, { cloud: 'gcc' });
    for (const base of [serviceUrl, `${rig.emulator.url}/emea/`, `${rig.emulator.url}/`]) {
      const refused = await connector(base, token, 'POST', activitiesPath(conversationId), botMessage('x'));
      expect(refused).toMatchObject({ status: 403, body: { error: { code: 'InvalidBotApiHost' } } });
    }
    expect((await connector(rig.emulator.gccServiceUrl, token, 'POST', activitiesPath(conversationId), botMessage('x'))).status).toBe(201);
    // Conversations that start after the tenant moved carry the GCC serviceUrl from the outset.
    expect((await createConversation(rig.emulator, { type: 'groupChat', tenantId })).serviceUrl).toBe(rig.emulator.gccServiceUrl);
  });

  it('answers 404 ConversationNotFound for an unknown or deleted conversation', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const unknown = await connector(serviceUrl, token, 'POST', activitiesPath('a:1never-existed'), botMessage('x'));
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'ConversationNotFound', message: 'Conversation not found.' } } });
    await control(rig.emulator, 'DELETE', `/conversations/${encodeURIComponent(conversationId)}`);
    expect((await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('x'))).body.error.code).toBe('ConversationNotFound');
  });

  it('answers 413 MessageSizeTooBig past 100 KB counted as UTF-16, and honours a changed limit', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const path = activitiesPath(conversationId);
    // 52,000 characters: about 52 KB as UTF-8, but 104 KB as UTF-16, which is how Teams counts.
    const tooBig = await connector(serviceUrl, token, 'POST', path, botMessage('x'.repeat(52_000)));
    expect(tooBig).toMatchObject({ status: 413, body: { error: { code: 'MessageSizeTooBig', message: 'Message size too large.' } } });
    expect((await connector(serviceUrl, token, 'POST', path, botMessage('x'.repeat(40_000)))).status).toBe(201);
    await control(rig.emulator, 'PUT', '/limits', { messageSizeLimitInBytes: 1024 });
    expect((await connector(serviceUrl, token, 'POST', path, botMessage('y'.repeat(600)))).status).toBe(413);
  });

  it.each([
    ['no type', { text: 'x', from: { id: `28:${devBot.appId}` } }],
    ['an unknown type', botMessage('x', { type: 'invoke' })],
    ['an empty message', botMessage('   ')],
    ['attachments that are not a list', botMessage('x', { attachments: 'card' })],
    ['a body that is not an object', '[1,2]'],
    ['a body that is not JSON', '{"type":'],
  ])('answers 400 BadArgument for %s', async (_case, body) => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const refused = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), body);
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'BadArgument' } } });
  });

  it('accepts a message that carries only an attachment', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const card = { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.5', body: [] } };
    const sent = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('', { attachments: [card] }));
    expect(sent.status).toBe(201);
  });
});
