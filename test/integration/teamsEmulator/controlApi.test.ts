import { devBot, devTenantId } from '../../../dev/devIdentity';
import { activitiesPath, botMessage, botToken, connector, control, createConversation, useEmulatorRig } from './emulatorFixture';

const rig = useEmulatorRig();

const path = (conversationId: string, rest = ''): string => `/conversations/${encodeURIComponent(conversationId)}${rest}`;

describe('GET /_control', () => {
  it('describes the emulator: URLs, bot and gateway', async () => {
    const info = await control(rig.emulator, 'GET', '');
    expect(info.body).toMatchObject({
      url: rig.emulator.url,
      publicServiceUrl: rig.emulator.publicServiceUrl,
      gccServiceUrl: rig.emulator.gccServiceUrl,
      gatewayUrl: rig.gateway.url,
      bot: { id: `28:${devBot.appId}`, appId: devBot.appId },
      defaultTenantId: devTenantId,
    });
    expect(rig.emulator.gatewaySettings()).toMatchObject({
      ToBotFromChannelOpenIdMetadataUrl: info.body.openIdMetadataUrl,
      ToChannelFromBotLoginUrl: info.body.tokenAuthority,
      GccServiceUrl: rig.emulator.gccServiceUrl,
    });
  });
});

describe('POST /_control/conversations', () => {
  it('installs the bot in a personal chat and posts installationUpdate then conversationUpdate, signed', async () => {
    const created = await control(rig.emulator, 'POST', '/conversations', { type: 'personal', user: { aadObjectId: '3f3f3f3f-0000-4000-8000-000000000001', name: 'Ada' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'personal',
      serviceUrl: rig.emulator.publicServiceUrl,
      tenantId: devTenantId,
      user: { aadObjectId: '3f3f3f3f-0000-4000-8000-000000000001', name: 'Ada' },
      bot: { id: `28:${devBot.appId}` },
      gateway: [
        { activityType: 'installationUpdate', status: 200 },
        { activityType: 'conversationUpdate', status: 200 },
      ],
    });
    expect(created.body.conversationId).toMatch(/^a:1[\w-]{100,}$/);
    expect(created.body.user.id).toMatch(/^29:1/);
    const [install, update] = rig.gateway.received.map((r) => r.activity);
    expect(install).toMatchObject({ type: 'installationUpdate', action: 'add', conversation: { id: created.body.conversationId, conversationType: 'personal' } });
    expect(update).toMatchObject({ type: 'conversationUpdate', membersAdded: [{ id: `28:${devBot.appId}` }, { id: created.body.user.id }] });
    expect(rig.gateway.received[0]?.headers.authorization).toMatch(/^Bearer ey/);
  });

  it('creates group chats and team channels in Teams id forms', async () => {
    const group = await createConversation(rig.emulator, { type: 'groupChat', members: [{ name: 'Linus' }] });
    expect(group.conversationId).toMatch(/^19:[0-9a-f]{32}@thread\.v2$/);
    const team = await createConversation(rig.emulator, { type: 'channel', teamName: 'Ops' });
    expect(team.conversationId).toMatch(/^19:[0-9a-f]{32}@thread\.tacv2$/);
    // The bot lands in the General channel, whose id is the team id.
    expect(team.teamId).toBe(team.conversationId);
    expect(team.channelId).toBe(team.conversationId);
    const teamEvent = rig.gateway.received.find((r) => r.activity.type === 'conversationUpdate' && r.activity.conversation.id === team.conversationId);
    expect(teamEvent?.activity.channelData).toMatchObject({ eventType: 'teamMemberAdded', team: { id: team.teamId, name: 'Ops' }, channel: { id: team.channelId } });
    const listed = await control(rig.emulator, 'GET', path(group.conversationId));
    expect(listed.body.members).toHaveLength(2);
  });

  it('uses a chosen conversation id and tenant, and re-opens the same personal chat for the same user', async () => {
    const tenantId = 'cccccccc-0000-4000-8000-000000000001';
    const chosen = await createConversation(rig.emulator, { type: 'groupChat', tenantId, conversationId: '19:chosen/#?@thread.v2' });
    expect(chosen).toMatchObject({ conversationId: '19:chosen/#?@thread.v2', tenantId });
    const user = { aadObjectId: '3f3f3f3f-0000-4000-8000-000000000002' };
    const first = await control(rig.emulator, 'POST', '/conversations', { type: 'personal', user });
    const again = await control(rig.emulator, 'POST', '/conversations', { type: 'personal', user });
    expect(again.status).toBe(200);
    expect(again.body.conversationId).toBe(first.body.conversationId);
  });

  it("reports the gateway's refusals per activity", async () => {
    rig.gateway.answerWith((activity) => (activity.type === 'installationUpdate' ? 401 : 200));
    const created = await control(rig.emulator, 'POST', '/conversations', { type: 'personal' });
    expect(created.body.gateway).toEqual([
      { activityType: 'installationUpdate', status: 401 },
      { activityType: 'conversationUpdate', status: 200 },
    ]);
  });

  it('reports an unreachable gateway as status 0 with the error', async () => {
    rig.emulator.setGatewayUrl('http://127.0.0.1:9');
    try {
      const created = await control(rig.emulator, 'POST', '/conversations', { type: 'personal' });
      expect(created.status).toBe(201);
      expect(created.body.gateway[0]).toMatchObject({ activityType: 'installationUpdate', status: 0 });
      expect(typeof created.body.gateway[0].error).toBe('string');
    } finally {
      rig.emulator.setGatewayUrl(rig.gateway.url);
    }
  });

  it('refuses invalid bodies with a JSON error naming the field', async () => {
    const refused = await control(rig.emulator, 'POST', '/conversations', { type: 'meeting' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'InvalidRequest' });
    expect(refused.body.error.message).toContain('type');
    expect((await control(rig.emulator, 'POST', '/conversations', '{not json')).body.error.code).toBe('InvalidJson');
    expect((await control(rig.emulator, 'POST', '/conversations', { type: 'personal', colour: 'blue' })).status).toBe(400);
  });

  it('refuses to re-use an id for a conversation of another type', async () => {
    await createConversation(rig.emulator, { type: 'groupChat', conversationId: '19:taken@thread.v2' });
    const refused = await control(rig.emulator, 'POST', '/conversations', { type: 'channel', conversationId: '19:taken@thread.v2' });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'ConversationExists' } } });
  });
});

describe('Teams-side events on a conversation', () => {
  it('delivers a user message, mentioning the bot outside personal chats', async () => {
    const { conversationId } = await createConversation(rig.emulator, { type: 'channel' });
    rig.gateway.received.length = 0;
    const sent = await control(rig.emulator, 'POST', path(conversationId, '/messages'), { text: 'status?' });
    expect(sent.status).toBe(200);
    expect(sent.body.conversationId).toBe(`${conversationId};messageid=${sent.body.activityId}`);
    expect(sent.body.gateway).toEqual([{ activityType: 'message', status: 200 }]);
    expect(rig.gateway.received[0]?.activity).toMatchObject({ type: 'message', text: `<at>${devBot.name}</at> status?`, id: sent.body.activityId });
    // The conversation shows what the user wrote, apart from what the bot posted.
    const shown = await control(rig.emulator, 'GET', path(conversationId, '/activities'));
    expect(shown.body).toMatchObject({ activities: [], userMessages: [{ id: sent.body.activityId, text: 'status?', from: { name: expect.any(String) } }] });
  });

  it('uninstalls (remove events) and re-installs (add events)', async () => {
    const { conversationId } = await createConversation(rig.emulator, { type: 'groupChat' });
    rig.gateway.received.length = 0;
    const removed = await control(rig.emulator, 'POST', path(conversationId, '/uninstall'));
    expect(removed.body).toMatchObject({ status: 'uninstalled', gateway: [{ activityType: 'installationUpdate' }, { activityType: 'conversationUpdate' }] });
    expect(rig.gateway.received.map((r) => r.activity.action ?? r.activity.membersRemoved?.[0]?.id)).toEqual(['remove', `28:${devBot.appId}`]);
    const added = await control(rig.emulator, 'POST', path(conversationId, '/install'));
    expect(added.body.status).toBe('active');
    expect(rig.gateway.received.slice(2).map((r) => r.activity.action ?? r.activity.membersAdded?.[0]?.id)).toEqual(['add', `28:${devBot.appId}`]);
  });

  it('blocks and unblocks without telling the bot', async () => {
    const { conversationId } = await createConversation(rig.emulator);
    rig.gateway.received.length = 0;
    expect((await control(rig.emulator, 'POST', path(conversationId, '/block'))).body.status).toBe('blocked');
    expect((await control(rig.emulator, 'POST', path(conversationId, '/messages'), { text: 'hi' })).status).toBe(409);
    expect((await control(rig.emulator, 'POST', path(conversationId, '/unblock'))).body.status).toBe('active');
    expect(rig.gateway.received).toHaveLength(0);
  });

  it('deletes a conversation on the Teams side', async () => {
    const { conversationId } = await createConversation(rig.emulator);
    expect((await control(rig.emulator, 'DELETE', path(conversationId))).body.status).toBe('deleted');
    expect((await control(rig.emulator, 'GET', path(conversationId))).body.status).toBe('deleted');
  });

  it('answers 404 for an unknown conversation on every conversation route', async () => {
    for (const [method, rest] of [
      ['GET', ''],
      ['DELETE', ''],
      ['POST', '/uninstall'],
      ['POST', '/install'],
      ['POST', '/block'],
      ['GET', '/activities'],
    ]) {
      const reply = await control(rig.emulator, method ?? 'GET', path('a:1unknown', rest));
      expect(reply).toMatchObject({ status: 404, body: { error: { code: 'ConversationNotFound' } } });
    }
    expect((await control(rig.emulator, 'POST', path('a:1unknown', '/messages'), { text: 'x' })).status).toBe(404);
  });
});

describe('state, tenants, faults, limits, stats, reset', () => {
  it('lists conversations with their state', async () => {
    const a = await createConversation(rig.emulator);
    const b = await createConversation(rig.emulator, { type: 'groupChat' });
    await control(rig.emulator, 'POST', path(b.conversationId, '/block'));
    const listed = await control(rig.emulator, 'GET', '/conversations');
    expect(listed.body.conversations.map((c: { conversationId: string; status: string }) => [c.conversationId, c.status])).toEqual([
      [a.conversationId, 'active'],
      [b.conversationId, 'blocked'],
    ]);
  });

  it('shows what the bot posted, in order, with updates and deletes applied', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const token = await botToken(rig.emulator);
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) ids.push((await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage(text))).body.id);
    await connector(serviceUrl, token, 'PUT', activitiesPath(conversationId, ids[1]), botMessage('two, edited'));
    await connector(serviceUrl, token, 'DELETE', activitiesPath(conversationId, ids[2]));
    const { body } = await control(rig.emulator, 'GET', path(conversationId, '/activities'));
    expect(body.activities.map((a: { text: string; updateCount: number; deleted: boolean; receivedCount: number }) => [a.text, a.updateCount, a.deleted, a.receivedCount])).toEqual([
      ['one', 0, false, 1],
      ['two, edited', 1, false, 1],
      ['three', 0, true, 1],
    ]);
    expect((await control(rig.emulator, 'GET', path(conversationId))).body.activityCount).toBe(2);
  });

  it('sets a tenant to GCC or disabled, and lists tenants', async () => {
    const tenantId = 'dddddddd-0000-4000-8000-000000000001';
    expect((await control(rig.emulator, 'PUT', `/tenants/${tenantId}`, { cloud: 'gcc' })).body).toEqual({ id: tenantId, cloud: 'gcc', disabled: false, serviceUrlWithTenant: false });
    expect((await control(rig.emulator, 'POST', `/tenants/${tenantId}/disable`)).body.disabled).toBe(true);
    expect((await control(rig.emulator, 'POST', `/tenants/${tenantId}/enable`)).body.disabled).toBe(false);
    expect((await control(rig.emulator, 'GET', '/tenants')).body.tenants).toContainEqual({ id: tenantId, cloud: 'gcc', disabled: false, serviceUrlWithTenant: false });
    expect((await control(rig.emulator, 'PUT', `/tenants/${tenantId}`, { cloud: 'dod' })).status).toBe(400);
  });

  it('reads and replaces the fault plan, refusing rates past 1', async () => {
    const plan = { rates: { '429': 0.1, '503': 0.05 }, token: { slow: 0.2 }, slowDelayInMs: 100, seed: 7 };
    expect((await control(rig.emulator, 'PUT', '/faults', plan)).body).toEqual(plan);
    expect((await control(rig.emulator, 'GET', '/faults')).body).toEqual(plan);
    const refused = await control(rig.emulator, 'PUT', '/faults', { rates: { '500': 0.7, '502': 0.7 } });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'InvalidRequest' } } });
  });

  it('reads and changes limits, refusing nonsense', async () => {
    const limits = (await control(rig.emulator, 'GET', '/limits')).body;
    expect(limits).toEqual({
      conversation: [
        { limit: 7, periodInSeconds: 1 },
        { limit: 8, periodInSeconds: 2 },
        { limit: 60, periodInSeconds: 30 },
        { limit: 1800, periodInSeconds: 3600 },
      ],
      tenant: [{ limit: 50, periodInSeconds: 1 }],
      messageSizeLimitInBytes: 102_400,
      tokenLifetimeInSeconds: 3600,
    });
    expect((await control(rig.emulator, 'PUT', '/limits', { tenant: [{ limit: 500, periodInSeconds: 1 }] })).body.tenant).toEqual([{ limit: 500, periodInSeconds: 1 }]);
    expect((await control(rig.emulator, 'PUT', '/limits', { tenant: [{ limit: -1, periodInSeconds: 1 }] })).status).toBe(400);
  });

  it('counts requests by route and status, and gateway deliveries', async () => {
    await createConversation(rig.emulator);
    await connector(rig.emulator.publicServiceUrl, undefined, 'POST', activitiesPath('a:1x'), botMessage('x'));
    const stats = (await control(rig.emulator, 'GET', '/stats')).body;
    expect(stats.requests['POST /_control/conversations']).toEqual({ '201': 1 });
    expect(stats.requests['POST /{region}/v3/conversations/{conversationId}/activities']).toEqual({ '401': 1 });
    expect(stats.gatewayDeliveries).toEqual({ '200': 2 });
  });

  it('resets conversations, tenants, faults, limits and stats', async () => {
    await createConversation(rig.emulator);
    await control(rig.emulator, 'PUT', '/faults', { rates: { '503': 0.5 } });
    await control(rig.emulator, 'PUT', '/limits', { messageSizeLimitInBytes: 10 });
    await control(rig.emulator, 'POST', '/tenants/eeeeeeee-0000-4000-8000-000000000001/disable');
    expect((await control(rig.emulator, 'POST', '/reset')).status).toBe(200);
    expect((await control(rig.emulator, 'GET', '/stats')).body.requests).toEqual({ 'POST /_control/reset': { '200': 1 } });
    expect((await control(rig.emulator, 'GET', '/conversations')).body.conversations).toEqual([]);
    expect((await control(rig.emulator, 'GET', '/tenants')).body.tenants).toEqual([]);
    expect((await control(rig.emulator, 'GET', '/faults')).body.rates).toEqual({});
    expect((await control(rig.emulator, 'GET', '/limits')).body.messageSizeLimitInBytes).toBe(102_400);
  });

  it('reads and changes the gateway URL', async () => {
    expect((await control(rig.emulator, 'PUT', '/gateway', { url: 'http://127.0.0.1:1' })).body.url).toBe('http://127.0.0.1:1');
    expect((await control(rig.emulator, 'GET', '/gateway')).body.url).toBe('http://127.0.0.1:1');
    expect((await control(rig.emulator, 'PUT', '/gateway', { url: 'not a url' })).status).toBe(400);
    rig.emulator.setGatewayUrl(rig.gateway.url);
  });

  it('answers unknown routes 404 and wrong methods 405, as JSON', async () => {
    expect(await control(rig.emulator, 'GET', '/nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'NotFound' } } });
    expect(await control(rig.emulator, 'DELETE', '/stats')).toMatchObject({ status: 405, body: { error: { code: 'MethodNotAllowed' } } });
  });
});
