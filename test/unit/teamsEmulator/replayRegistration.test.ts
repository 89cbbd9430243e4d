import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type InboundActivity } from '../../../dev/teamsEmulator/inboundActivities';
import { registerActivity } from '../../../dev/teamsEmulator/replayRegistration';
import { conversationStatus, TeamsState } from '../../../dev/teamsEmulator/teamsState';

const nowIso = '2026-03-01T12:00:00.000Z';
const corpus = (name: string): InboundActivity =>
  (JSON.parse(readFileSync(join(__dirname, '../../fixtures/teams', name), 'utf8')) as { activity: InboundActivity }).activity;
const eventTeam = '19:efa9296d959346209fea44151c742e73@thread.skype';
const eventChannel = '19:6d97d816470f481dbcda38244b98689a@thread.skype';

describe('registerActivity: the Teams side made to match a replayed activity', () => {
  it('a team install from a selected channel: the team, its General and the channel, installed', () => {
    const state = new TeamsState();
    const registered = registerActivity(state, corpus('installationUpdate-team-add.json'), 'default-tenant', nowIso);
    const teamId = '19:zFLSDFWsesfzcmKArqKJ-65aOXJz@sgf462H2wz41@thread.tacv2';
    expect(registered).toEqual({ conversationId: '19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2', type: 'channel', tenantId: 'b28fdbfd-2b78-4f93-b0f8-8881793f0f8f', teamId, channelId: '19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2' });
    expect(state.teams.get(teamId)).toMatchObject({ name: 'TestTeam2022', installed: true, aadGroupId: 'da849743-4259-475f-ae7a-4f4b0fb49943' });
    expect(state.channelsOf(teamId).map((c) => [c.id, c.name])).toEqual([
      [teamId, undefined],
      ['19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2', '2021 Test Channel'],
    ]);
    expect(state.teams.get(teamId)?.members.map((m) => m.aadObjectId)).toEqual(['eddfa9d4-346e-4cce-a18f-fa6261ad776b']);

    registerActivity(state, corpus('installationUpdate-team-remove-upgrade.json'), 'default-tenant', nowIso);
    expect(state.channelsOf(teamId).map(conversationStatus)).toEqual(['uninstalled', 'uninstalled']);
  });

  it('channel and team events change the channel or the team they name (event names without case)', () => {
    const state = new TeamsState();
    registerActivity(state, corpus('conversationUpdate-channelDeleted.json'), 'default-tenant', nowIso);
    const channel = state.conversations.get(eventChannel);
    expect(channel && conversationStatus(channel)).toBe('deleted');
    registerActivity(state, corpus('conversationUpdate-channelRestored.json'), 'default-tenant', nowIso);
    expect(channel && conversationStatus(channel)).toBe('active');

    registerActivity(state, corpus('conversationUpdate-teamArchived.json'), 'default-tenant', nowIso);
    expect(state.channelsOf(eventTeam).map(conversationStatus)).toEqual(['archived', 'archived']);
    registerActivity(state, corpus('conversationUpdate-teamUnarchived.json'), 'default-tenant', nowIso);
    registerActivity(state, corpus('conversationUpdate-teamDeleted.json'), 'default-tenant', nowIso);
    expect(state.teams.get(eventTeam)?.deleted).toBe(true);
    registerActivity(state, corpus('conversationUpdate-teamRestored.json'), 'default-tenant', nowIso);
    expect(state.channelsOf(eventTeam).map(conversationStatus)).toEqual(['active', 'active']);
    registerActivity(state, corpus('conversationUpdate-teamRenamed.json'), 'default-tenant', nowIso);
    expect(state.teams.get(eventTeam)?.name).toBe('New Team Name');
  });

  it('a personal chat takes its tenant from channelData when the conversation has none', () => {
    const state = new TeamsState();
    const registered = registerActivity(state, corpus('conversationUpdate-bot-added-personal.json'), 'default-tenant', nowIso);
    expect(registered).toEqual({ conversationId: 'a:1personal-chat-from-the-1to1-sample', type: 'personal', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
    expect(state.findPersonal('72f988bf-86f1-41af-91ab-2d7cd011db47', '3e3f1d58-2c0a-4b39-9b5e-6a4ac3c1a9f0')?.user.id).toBe('29:1user-from-the-1to1-sample');
  });
});
