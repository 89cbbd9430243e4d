import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { inboundActivities,type InboundActivity } from '../../../dev/teamsEmulator/inboundActivities';
import { type EmulatedConversation } from '../../../dev/teamsEmulator/teamsState';

const bot = { id: '28:app-id', name: 'Gateway Bot' };
const now = new Date('2026-03-01T12:00:00.000Z');
const user = { id: '29:1user', aadObjectId: '6f3b2a4e-0000-4000-8000-000000000001', name: 'Ada Lovelace' };

function conversation(type: EmulatedConversation['type'], overrides: Partial<EmulatedConversation> = {}): EmulatedConversation {
  const base: EmulatedConversation = {
    id: type === 'personal' ? 'a:1xyz' : type === 'groupChat' ? '19:abc@thread.v2' : '19:team@thread.tacv2',
    type,
    tenantId: 'tenant-1',
    serviceUrl: 'https://127.0.0.1:9/amer/',
    locale: 'en-GB',
    user,
    members: [user],
    installed: true,
    blocked: false,
    deleted: false,
    createdAt: now.toISOString(),
    changedAt: now.toISOString(),
  };
  if (type === 'channel') {
    base.team = { id: '19:team@thread.tacv2', name: 'Ops', aadGroupId: 'group-guid', tenantId: 'tenant-1', installed: true, archived: false, deleted: false, members: [user] };
    base.channelId = '19:team@thread.tacv2';
  }
  return { ...base, ...overrides };
}

describe('inboundActivities', () => {
  it('shapes a personal installationUpdate as Teams does', () => {
    const activity = inboundActivities.installationUpdate(conversation('personal'), bot, 'add', 'f:1', now);
    expect(activity).toMatchObject({
      type: 'installationUpdate',
      action: 'add',
      id: 'f:1',
      timestamp: '2026-03-01T12:00:00.000Z',
      channelId: 'msteams',
      serviceUrl: 'https://127.0.0.1:9/amer/',
      from: { id: '29:1user', aadObjectId: user.aadObjectId },
      recipient: { id: '28:app-id', name: 'Gateway Bot' },
      conversation: { id: 'a:1xyz', conversationType: 'personal', tenantId: 'tenant-1' },
      channelData: { tenant: { id: 'tenant-1' }, source: { name: 'message' } },
      locale: 'en-GB',
    });
    expect(activity.conversation).not.toHaveProperty('isGroup');
  });

  it('lists the bot and the user in a personal install, as Teams does', () => {
    const added = inboundActivities.conversationUpdate(conversation('personal'), bot, 'added', 'f:0', now);
    expect(added.membersAdded).toEqual([{ id: '28:app-id' }, { id: '29:1user', aadObjectId: user.aadObjectId }]);
  });

  it('marks group chats and channels as groups with their conversation type', () => {
    const group = inboundActivities.conversationUpdate(conversation('groupChat'), bot, 'added', 'f:2', now);
    expect(group.conversation).toEqual({ isGroup: true, conversationType: 'groupChat', tenantId: 'tenant-1', id: '19:abc@thread.v2' });
    expect(group.membersAdded).toEqual([{ id: '28:app-id' }]);
  });

  it('gives team events team, channel and eventType in channelData', () => {
    const added = inboundActivities.conversationUpdate(conversation('channel'), bot, 'added', 'f:3', now);
    expect(added.channelData).toEqual({
      settings: { selectedChannel: { id: '19:team@thread.tacv2' } },
      team: { id: '19:team@thread.tacv2', name: 'Ops', aadGroupId: 'group-guid' },
      channel: { id: '19:team@thread.tacv2' },
      tenant: { id: 'tenant-1' },
      eventType: 'teamMemberAdded',
    });
    const removed = inboundActivities.conversationUpdate(conversation('channel'), bot, 'removed', 'f:4', now);
    expect(removed.membersRemoved).toEqual([{ id: '28:app-id' }]);
    expect(removed.channelData).toMatchObject({ eventType: 'teamMemberRemoved' });
    const install = inboundActivities.installationUpdate(conversation('channel'), bot, 'remove', 'f:5', now);
    expect(install.action).toBe('remove');
    expect(install.channelData).toMatchObject({ settings: { selectedChannel: { id: '19:team@thread.tacv2' } }, team: { id: '19:team@thread.tacv2' } });
  });

  it('sends personal messages as plain text', () => {
    const message = inboundActivities.message(conversation('personal'), bot, 'hello', '1772366400000', now);
    expect(message).toMatchObject({ type: 'message', text: 'hello', textFormat: 'plain', id: '1772366400000' });
  });

  it('mentions the bot in group chats and addresses channel posts to their thread', () => {
    const group = inboundActivities.message(conversation('groupChat'), bot, 'status?', '1', now);
    expect(group.text).toBe('<at>Gateway Bot</at> status?');
    expect(group.entities).toContainEqual({ type: 'mention', text: '<at>Gateway Bot</at>', mentioned: bot });
    const channel = inboundActivities.message(conversation('channel'), bot, 'deploy', '1772366400001', now);
    expect(channel.conversation.id).toBe('19:team@thread.tacv2;messageid=1772366400001');
    expect(channel.channelData).toMatchObject({ teamsTeamId: '19:team@thread.tacv2', teamsChannelId: '19:team@thread.tacv2' });
  });

  it('installs from the selected channel with its name, source and selectedChannel (Microsoft\'s documented install event)', () => {
    const channel = conversation('channel', { id: '19:selected@thread.tacv2', channelId: '19:selected@thread.tacv2', name: '2021 Test Channel' });
    const install = inboundActivities.installationUpdate(channel, bot, 'add-upgrade', 'f:6', now);
    expect(install).toMatchObject({
      action: 'add-upgrade',
      conversation: { isGroup: true, id: '19:selected@thread.tacv2', name: '2021 Test Channel', conversationType: 'channel' },
      channelData: {
        settings: { selectedChannel: { id: '19:selected@thread.tacv2' } },
        channel: { id: '19:selected@thread.tacv2' },
        team: { id: '19:team@thread.tacv2', name: 'Ops' },
        source: { name: 'message' },
      },
    });
  });

  it('delivers team and channel events in General with the subject in channelData', () => {
    const general = conversation('channel');
    const team = general.team!;
    const renamed = inboundActivities.teamEvent(general, team, bot, 'teamRenamed', user, 'f:7', now);
    expect(renamed).toMatchObject({ type: 'conversationUpdate', conversation: { id: team.id }, channelData: { team: { id: team.id, name: 'Ops' }, eventType: 'teamRenamed', tenant: { id: 'tenant-1' } } });
    const channel = conversation('channel', { id: '19:new@thread.tacv2', channelId: '19:new@thread.tacv2', name: 'Releases' });
    const created = inboundActivities.channelEvent(general, channel, bot, 'channelCreated', user, 'f:8', now);
    expect(created).toMatchObject({ conversation: { id: team.id }, channelData: { channel: { id: '19:new@thread.tacv2', name: 'Releases' }, team: { id: team.id }, eventType: 'channelCreated' } });
    const joined = inboundActivities.teamMembersChanged(general, bot, 'added', [user], user, 'f:9', now);
    expect(joined.membersAdded).toEqual([{ id: user.id, aadObjectId: user.aadObjectId }]);
    expect(joined.channelData).toMatchObject({ eventType: 'teamMemberAdded' });
    expect(joined.channelData).not.toHaveProperty('channel');
  });

  describe("carries every field of Microsoft's documented payload (test/fixtures/teams)", () => {
    /** The leaf paths of a JSON value (`channelData.team.id`, `membersRemoved[].id`). */
    const paths = (value: unknown, prefix = ''): string[] => {
      if (Array.isArray(value)) return value.flatMap((item) => paths(item, `${prefix}[]`));
      if (typeof value !== 'object' || value === null) return [prefix];
      return Object.entries(value).flatMap(([key, inner]) => paths(inner, prefix === '' ? key : `${prefix}.${key}`));
    };
    const documented = (name: string): Record<string, unknown> =>
      (JSON.parse(readFileSync(join(__dirname, '../../fixtures/teams', name), 'utf8')) as { activity: Record<string, unknown> }).activity;
    const missing = (emitted: InboundActivity, name: string): string[] => {
      const have = new Set(paths(emitted));
      return [...new Set(paths(documented(name)))].filter((path) => !have.has(path));
    };
    const general = conversation('channel');
    const team = general.team!;
    const channel = conversation('channel', { id: '19:new@thread.tacv2', channelId: '19:new@thread.tacv2', name: 'Releases' });

    it.each(['channelCreated', 'channelRenamed', 'channelDeleted', 'channelRestored'] as const)('%s', (eventType) => {
      expect(missing(inboundActivities.channelEvent(general, channel, bot, eventType, user, 'f:1', now), `conversationUpdate-${eventType}.json`)).toEqual([]);
    });

    it.each(['teamRenamed', 'teamArchived', 'teamUnarchived', 'teamDeleted', 'teamRestored'] as const)('%s', (eventType) => {
      expect(missing(inboundActivities.teamEvent(general, team, bot, eventType, user, 'f:1', now), `conversationUpdate-${eventType}.json`)).toEqual([]);
    });

    // The bot's own install events arrive in the channel the user selected, which has a name.
    it('teamMemberRemoved, the bot added to a team and to a personal chat', () => {
      expect(missing(inboundActivities.teamMembersChanged(general, bot, 'removed', [user], user, 'f:1', now), 'conversationUpdate-teamMemberRemoved.json')).toEqual([]);
      expect(missing(inboundActivities.conversationUpdate(channel, bot, 'added', 'f:1', now), 'conversationUpdate-bot-added-to-team.json')).toEqual([]);
      expect(missing(inboundActivities.conversationUpdate(conversation('personal'), bot, 'added', 'f:1', now), 'conversationUpdate-bot-added-personal.json')).toEqual([]);
    });

    it('installationUpdate in a team, added and removed', () => {
      expect(missing(inboundActivities.installationUpdate(channel, bot, 'add', 'f:1', now), 'installationUpdate-team-add.json')).toEqual([]);
      expect(missing(inboundActivities.installationUpdate(channel, bot, 'remove-upgrade', 'f:1', now), 'installationUpdate-team-remove-upgrade.json')).toEqual([]);
    });
  });
});
