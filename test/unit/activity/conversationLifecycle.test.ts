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
