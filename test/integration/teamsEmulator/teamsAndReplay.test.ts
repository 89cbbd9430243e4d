import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { devBot } from '../../../dev/devIdentity';
import { activitiesPath, botMessage, botToken, connector, control, createConversation, useEmulatorRig } from './emulatorFixture';

const rig = useEmulatorRig();
let token: string;

beforeEach(async () => {
  token = await botToken(rig.emulator);
});

const teamPath = (teamId: string, rest = ''): string => `/teams/${encodeURIComponent(teamId)}${rest}`;
const fixture = (name: string): { activity: Record<string, unknown> } =>
  JSON.parse(readFileSync(join(__dirname, '../../fixtures/teams', name), 'utf8')) as { activity: Record<string, unknown> };

describe('a team with several channels', () => {
  it('installs from the selected channel; the bot may post to General (id = team id) and to any channel', async () => {
    const teamId = '19:team1@thread.tacv2';
    const installed = await createConversation(rig.emulator, { type: 'channel', teamId, channelId: '19:selected@thread.tacv2', channelName: 'Releases', teamName: 'Ops' });
    expect(installed).toMatchObject({ conversationId: '19:selected@thread.tacv2', teamId, channelId: '19:selected@thread.tacv2' });
    const [install] = rig.gateway.received.map((r) => r.activity);
    expect(install).toMatchObject({
      type: 'installationUpdate',
      conversation: { id: '19:selected@thread.tacv2', name: 'Releases' },
      channelData: { settings: { selectedChannel: { id: '19:selected@thread.tacv2' } }, team: { id: teamId, name: 'Ops' }, source: { name: 'message' } },
    });

    const created = await control(rig.emulator, 'POST', teamPath(teamId, '/channels'), { channelId: '19:new@thread.tacv2', name: 'Incidents' });
    expect(created.status).toBe(201);
    expect(created.body.gateway).toEqual([{ activityType: 'conversationUpdate', status: 200 }]);
    expect(rig.gateway.received.at(-1)?.activity).toMatchObject({ conversation: { id: teamId }, channelData: { eventType: 'channelCreated', channel: { id: '19:new@thread.tacv2', name: 'Incidents' } } });

    for (const channelId of [teamId, '19:selected@thread.tacv2', '19:new@thread.tacv2']) {
      expect((await connector(installed.serviceUrl, token, 'POST', activitiesPath(channelId), botMessage(`to ${channelId}`))).status).toBe(201);
    }
    const team = await control(rig.emulator, 'GET', teamPath(teamId));
    expect(team.body.channels.map((c: { name: string }) => c.name)).toEqual(['General', 'Releases', 'Incidents']);
  });

  it('plays channel and team lifecycles, each delivered in General while the bot is installed', async () => {
    const teamId = '19:team2@thread.tacv2';
    const { serviceUrl } = await createConversation(rig.emulator, { type: 'channel', teamId });
    await control(rig.emulator, 'POST', teamPath(teamId, '/channels'), { channelId: '19:c2@thread.tacv2', name: 'Old' });
    const post = async (channelId: string): Promise<number> => (await connector(serviceUrl, token, 'POST', activitiesPath(channelId), botMessage('hi'))).status;

    await control(rig.emulator, 'PATCH', teamPath(teamId, `/channels/${encodeURIComponent('19:c2@thread.tacv2')}`), { name: 'New' });
    await control(rig.emulator, 'DELETE', teamPath(teamId, `/channels/${encodeURIComponent('19:c2@thread.tacv2')}`));
    expect(await post('19:c2@thread.tacv2')).toBe(404);
    await control(rig.emulator, 'POST', teamPath(teamId, `/channels/${encodeURIComponent('19:c2@thread.tacv2')}/restore`));
    expect(await post('19:c2@thread.tacv2')).toBe(201);

    await control(rig.emulator, 'PATCH', teamPath(teamId), { name: 'Renamed' });
    await control(rig.emulator, 'POST', teamPath(teamId, '/archive'));
    expect(await post(teamId)).toBe(403);
    await control(rig.emulator, 'POST', teamPath(teamId, '/unarchive'));
    await control(rig.emulator, 'POST', teamPath(teamId, '/delete'));
    expect(await post(teamId)).toBe(404);
    await control(rig.emulator, 'POST', teamPath(teamId, '/restore'));
    expect(await post(teamId)).toBe(201);

    const events = rig.gateway.received.slice(2).map((r) => r.activity.channelData.eventType as string);
    expect(events).toEqual(['channelCreated', 'channelRenamed', 'channelDeleted', 'channelRestored', 'teamRenamed', 'teamArchived', 'teamUnarchived', 'teamDeleted', 'teamRestored']);
    expect(rig.gateway.received.slice(2).every((r) => r.activity.conversation.id === teamId)).toBe(true);

    await control(rig.emulator, 'POST', `/conversations/${encodeURIComponent(teamId)}/uninstall`, { action: 'remove-upgrade' });
    const silent = await control(rig.emulator, 'POST', teamPath(teamId, '/archive'));
    expect(silent.body.gateway).toEqual([]);
    expect(rig.gateway.received.at(-2)?.activity).toMatchObject({ type: 'installationUpdate', action: 'remove-upgrade' });
  });

  it('lets the bot open a 1:1 chat with a member of a team it is installed in, as Teams does', async () => {
    const teamId = '19:team3@thread.tacv2';
    const { serviceUrl, tenantId } = await createConversation(rig.emulator, { type: 'channel', teamId });
    const joined = await control(rig.emulator, 'POST', teamPath(teamId, '/members'), { users: [{ aadObjectId: '11111111-0000-4000-8000-000000000001', name: 'Grace' }] });
    expect(rig.gateway.received.at(-1)?.activity).toMatchObject({ membersAdded: [{ aadObjectId: '11111111-0000-4000-8000-000000000001' }], channelData: { eventType: 'teamMemberAdded' } });
    expect(joined.body.members).toHaveLength(2);
    const body = { bot: { id: `28:${devBot.appId}` }, members: [{ id: '11111111-0000-4000-8000-000000000001' }], tenantId, channelData: { tenant: { id: tenantId } } };
    const created = await connector(serviceUrl, token, 'POST', 'v3/conversations', body);
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^a:1/);
    expect((await connector(serviceUrl, token, 'POST', 'v3/conversations', body)).body.id).toBe(created.body.id);

    const stranger = { ...body, members: [{ id: '22222222-0000-4000-8000-000000000002' }] };
    expect((await connector(serviceUrl, token, 'POST', 'v3/conversations', stranger)).body).toMatchObject({ error: { code: 'ForbiddenOperationException' } });
  });
});

describe('POST /_control/activities (replay)', () => {
  it("replays Microsoft's documented team install, registering the team so sends to General resolve", async () => {
    const { activity } = fixture('installationUpdate-team-add.json');
    const replayed = await control(rig.emulator, 'POST', '/activities', { activity });
    expect(replayed.status).toBe(200);
    expect(replayed.body.gateway).toEqual([{ activityType: 'installationUpdate', status: 200 }]);
    const received = rig.gateway.received[0]?.activity;
    expect(received).toMatchObject({ ...activity, serviceUrl: `${rig.emulator.url}/amer/`, timestamp: expect.any(String), recipient: { id: `28:${devBot.appId}` } });
    expect(received?.timestamp).not.toBe(activity.timestamp);
    expect(rig.gateway.received[0]?.headers.authorization).toMatch(/^Bearer ey/);

    const teamId = '19:zFLSDFWsesfzcmKArqKJ-65aOXJz@sgf462H2wz41@thread.tacv2';
    const team = await control(rig.emulator, 'GET', teamPath(teamId));
    expect(team.body).toMatchObject({ name: 'TestTeam2022', installed: true, tenantId: 'b28fdbfd-2b78-4f93-b0f8-8881793f0f8f' });
    expect((await connector(`${rig.emulator.url}/amer/`, token, 'POST', activitiesPath(teamId), botMessage('to General'))).status).toBe(201);
  });

  it('routes a serviceUrl with a tenant path like a plain one', async () => {
    const { activity } = fixture('message-personal-tenant-serviceurl.json');
    const replayed = await control(rig.emulator, 'POST', '/activities', { activity });
    const serviceUrl = replayed.body.activity.serviceUrl as string;
    expect(serviceUrl).toBe(`${rig.emulator.url}/amer/6babcaad-604b-40ac-a9d7-9fd97c0b779f/`);
    const conversationId = (activity.conversation as { id: string }).id;
    expect((await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('reply'))).status).toBe(201);
  });

  it('signs with a forged token on request, keeps a verbatim serviceUrl, and refuses a body that is no activity', async () => {
    const { activity } = fixture('message-personal-tenant-serviceurl.json');
    await control(rig.emulator, 'POST', '/activities', { activity, forge: { expired: true }, serviceUrl: 'verbatim', recipient: 'verbatim', restamp: false });
    expect(rig.gateway.received[0]?.activity).toEqual(activity);
    const refused = await control(rig.emulator, 'POST', '/activities', { activity: { type: 'message' } });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'InvalidRequest' } } });
  });
});
