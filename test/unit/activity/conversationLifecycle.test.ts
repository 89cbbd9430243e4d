import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { conversationFactsOf } from '../../../shared/activity/conversationFacts';
import { classifyLifecycle, eventTimeOf } from '../../../shared/activity/conversationLifecycle';
import { parseInboundActivity } from '../../../shared/activity/inboundActivity';
import { activityIn, botAccount, events, groupChat, personalChat, teamChannel } from './teamsActivityFixtures';

const classify = (json: Record<string, unknown>): ReturnType<typeof classifyLifecycle> => classifyLifecycle(parseInboundActivity(JSON.stringify(json)));

describe('lifecycle classification', () => {
  it.each([
    ['add', 'active', 'installationAdded'],
    ['add-upgrade', 'active', 'installationAdded'],
    ['remove', 'removed', 'installationRemoved'],
    ['remove-upgrade', 'removed', 'installationRemoved'],
  ])('installationUpdate %s in a personal chat: %s', (action, status, reason) => {
    expect(classify(activityIn(personalChat(), 'installationUpdate', { action }))).toEqual({ target: { kind: 'conversation' }, status, reason });
  });

  it('ignores an installationUpdate with an unknown action', () => {
    expect(classify(activityIn(personalChat(), 'installationUpdate', { action: 'sideways' }))).toBeUndefined();
  });

  it('applies a team install or uninstall to the whole team', () => {
    const place = teamChannel();
    expect(classify(events.install(place))).toEqual({ target: { kind: 'team', teamId: place.teamId }, status: 'active', reason: 'installationAdded' });
    expect(classify(events.botRemoved(place))).toEqual({ target: { kind: 'team', teamId: place.teamId }, status: 'removed', reason: 'botRemoved' });
  });

  it('group chat: the bot in membersAdded / membersRemoved', () => {
    const place = groupChat();
    expect(classify(events.botAdded(place))).toMatchObject({ target: { kind: 'conversation' }, status: 'active', reason: 'botAdded' });
    expect(classify(events.botRemoved(place))).toMatchObject({ status: 'removed', reason: 'botRemoved' });
  });

  it('other members joining or leaving change nothing', () => {
    const place = groupChat();
    expect(classify(activityIn(place, 'conversationUpdate', { membersAdded: [{ id: '29:someone' }] }))).toBeUndefined();
    expect(classify(activityIn(place, 'conversationUpdate', { membersRemoved: [{ id: '29:someone' }] }))).toBeUndefined();
  });

  it.each([
    ['teamDeleted', 'removed', 'teamDeleted', undefined],
    ['teamHardDeleted', 'removed', 'teamDeleted', undefined],
    ['teamArchived', 'removed', 'teamArchived', undefined],
    ['teamUnarchived', 'active', 'teamUnarchived', ['teamArchived']],
    ['teamRestored', 'active', 'teamRestored', ['teamDeleted']],
  ])('team event %s', (eventType, status, reason, onlyIfRemovedFor) => {
    const place = teamChannel();
    const change = classify(events.teamEvent(place, eventType));
    expect(change).toMatchObject({ target: { kind: 'team', teamId: place.teamId }, status, reason });
    expect(change?.onlyIfRemovedFor).toEqual(onlyIfRemovedFor);
  });

  it('channelDeleted / channelRestored target the channel named in channelData', () => {
    const place = teamChannel();
    const deleted = events.teamEvent(place, 'channelDeleted');
    (deleted.channelData as Record<string, unknown>).channel = { id: '19:gone@thread.tacv2', name: 'Old' };
    expect(classify(deleted)).toEqual({ target: { kind: 'channel', conversationId: '19:gone@thread.tacv2' }, status: 'removed', reason: 'channelDeleted' });
    const restored = events.teamEvent(place, 'channelRestored');
    (restored.channelData as Record<string, unknown>).channel = { id: '19:gone@thread.tacv2' };
    expect(classify(restored)).toMatchObject({ status: 'active', onlyIfRemovedFor: ['channelDeleted'] });
  });

  it('teamRenamed and channelCreated only refresh the reference', () => {
    expect(classify(events.teamEvent(teamChannel(), 'teamRenamed'))).toBeUndefined();
    expect(classify(events.teamEvent(teamChannel(), 'channelCreated'))).toBeUndefined();
  });

  it('a user message reactivates the conversation it was written in', () => {
    expect(classify(events.message(personalChat()))).toEqual({ target: { kind: 'conversation' }, status: 'active', reason: 'userActivity' });
    expect(classify(activityIn(personalChat(), 'invoke', { name: 'adaptiveCard/action' }))).toMatchObject({ reason: 'userActivity' });
  });

  it('typing and the bot echoing itself do not count as user activity', () => {
    expect(classify(activityIn(personalChat(), 'typing'))).toBeUndefined();
    const echo = events.message(personalChat());
    echo.from = { ...botAccount };
    expect(classify(echo)).toBeUndefined();
  });
});

describe("Microsoft's documented payloads (test/fixtures/teams)", () => {
  const corpus = (name: string): Record<string, unknown> =>
    (JSON.parse(readFileSync(join(__dirname, '../../fixtures/teams', name), 'utf8')) as { activity: Record<string, unknown> }).activity;
  const teamOfInstall = '19:zFLSDFWsesfzcmKArqKJ-65aOXJz@sgf462H2wz41@thread.tacv2';
  const eventTeam = '19:efa9296d959346209fea44151c742e73@thread.skype';
  const deletedChannel = '19:6d97d816470f481dbcda38244b98689a@thread.skype';

  it.each([
    ['installationUpdate-team-add.json', { target: { kind: 'team', teamId: teamOfInstall }, status: 'active', reason: 'installationAdded' }],
    ['installationUpdate-team-remove-upgrade.json', { target: { kind: 'team', teamId: teamOfInstall }, status: 'removed', reason: 'installationRemoved' }],
    ['conversationUpdate-bot-added-to-team.json', { target: { kind: 'team', teamId: teamOfInstall }, status: 'active', reason: 'botAdded' }],
    ['conversationUpdate-bot-added-personal.json', { target: { kind: 'conversation' }, status: 'active', reason: 'botAdded' }],
    ['conversationUpdate-channelCreated.json', undefined],
    ['conversationUpdate-channelRenamed.json', undefined],
    ['conversationUpdate-channelDeleted.json', { target: { kind: 'channel', conversationId: deletedChannel }, status: 'removed', reason: 'channelDeleted' }],
    ['conversationUpdate-channelRestored.json', { target: { kind: 'channel', conversationId: deletedChannel }, status: 'active', reason: 'channelRestored', onlyIfRemovedFor: ['channelDeleted'] }],
    ['conversationUpdate-teamRenamed.json', undefined],
    ['conversationUpdate-teamArchived.json', { target: { kind: 'team', teamId: eventTeam }, status: 'removed', reason: 'teamArchived' }],
    ['conversationUpdate-teamUnarchived.json', { target: { kind: 'team', teamId: eventTeam }, status: 'active', reason: 'teamUnarchived', onlyIfRemovedFor: ['teamArchived'] }],
    ['conversationUpdate-teamDeleted.json', { target: { kind: 'team', teamId: eventTeam }, status: 'removed', reason: 'teamDeleted' }],
    // The page spells this one `teamrestored`: event names are compared without case.
    ['conversationUpdate-teamRestored.json', { target: { kind: 'team', teamId: eventTeam }, status: 'active', reason: 'teamRestored', onlyIfRemovedFor: ['teamDeleted'] }],
    ['conversationUpdate-teamMemberRemoved.json', undefined],
    ['message-personal-tenant-serviceurl.json', { target: { kind: 'conversation' }, status: 'active', reason: 'userActivity' }],
  ])('%s', (name, expected) => {
    expect(classify(corpus(name))).toEqual(expected);
  });

  it('indexes the documented install under its team, in the channel the user selected', () => {
    expect(conversationFactsOf(parseInboundActivity(JSON.stringify(corpus('installationUpdate-team-add.json'))))).toEqual({
      conversationId: '19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2',
      tenantId: 'b28fdbfd-2b78-4f93-b0f8-8881793f0f8f',
      scope: 'channel',
      teamId: teamOfInstall,
      teamsChannelId: '19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2',
      isThread: false,
    });
  });
});

describe('event time', () => {
  const receivedAt = new Date('2026-01-01T12:00:00.000Z');

  it("is Teams' timestamp", () => {
    expect(eventTimeOf({ timestamp: '2026-01-01T11:59:58.1234567Z' }, receivedAt).toISOString()).toBe('2026-01-01T11:59:58.123Z');
  });

  it('is the receipt time when the timestamp is missing, unreadable, or ahead of our clock', () => {
    expect(eventTimeOf({}, receivedAt)).toEqual(receivedAt);
    expect(eventTimeOf({ timestamp: 'yesterday' }, receivedAt)).toEqual(receivedAt);
    expect(eventTimeOf({ timestamp: '2026-01-01T13:00:00Z' }, receivedAt)).toEqual(receivedAt);
  });
});
