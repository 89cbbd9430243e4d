import { conversationFactsOf } from '../../../shared/activity/conversationFacts';
import { conversationReferenceOf } from '../../../shared/activity/conversationReference';
import { parseInboundActivity } from '../../../shared/activity/inboundActivity';
import {
  type ActivityInput,
  newRecordFromActivity,
  recordAfterActivity,
  recordAfterStatusChange,
  recordWithServiceUrlOverride,
  type StatusChange,
} from '../../../shared/store/conversationTransitions';
import { effectiveServiceUrl } from '../../../shared/store/storedConversation';
import { events, personalChat, type Place, teamChannel } from '../activity/teamsActivityFixtures';

const t = (second: number): Date => new Date(Date.UTC(2026, 0, 1, 12, 0, second));
const now = t(59);

function input(json: Record<string, unknown>, eventAt: Date, change?: Omit<StatusChange, 'at'>): ActivityInput {
  const activity = parseInboundActivity(JSON.stringify(json));
  const result: ActivityInput = { reference: conversationReferenceOf(activity), facts: conversationFactsOf(activity), eventAt };
  if (change !== undefined) result.change = { ...change, at: eventAt };
  return result;
}

const place: Place = personalChat();
const installed = newRecordFromActivity(input(events.install(place), t(10), { status: 'active', reason: 'installationAdded' }), t(11));

describe('conversation transitions', () => {
  it('a first activity creates an active record with its reference and facts', () => {
    expect(installed).toMatchObject({
      conversationId: place.conversationId,
      tenantId: place.tenantId,
      scope: 'personal',
      userAadObjectId: place.user.aadObjectId,
      status: 'active',
      statusReason: 'installationAdded',
      statusChangedAt: t(10).toISOString(),
      referenceAt: t(10).toISOString(),
      createdAt: t(11).toISOString(),
      revision: 1,
    });
    expect(installed.reference.bot.id).toMatch(/^28:/);
  });

  it('a first activity that is a removal stores the record as removed, with reason and time', () => {
    const record = newRecordFromActivity(input(events.uninstall(place), t(5), { status: 'removed', reason: 'installationRemoved' }), now);
    expect(record).toMatchObject({ status: 'removed', removedReason: 'installationRemoved', removedAt: t(5).toISOString() });
  });

  it('removal keeps the record, with reason and time; re-install reactivates it', () => {
    const removed = recordAfterStatusChange(installed, { status: 'removed', reason: 'ConversationBlockedByUser', at: t(20) }, now);
    expect(removed.verdict).toBe('applied');
    expect(removed.record).toMatchObject({ status: 'removed', removedReason: 'ConversationBlockedByUser', removedAt: t(20).toISOString(), revision: 2 });
    expect(removed.record.reference).toEqual(installed.reference);

    const back = recordAfterActivity(removed.record, input(events.install(place), t(30), { status: 'active', reason: 'installationAdded' }), now);
    expect(back.verdict).toBe('applied');
    expect(back.record).toMatchObject({ status: 'active', statusReason: 'installationAdded', statusChangedAt: t(30).toISOString(), revision: 3 });
    expect(back.record.removedReason).toBeUndefined();
    expect(back.record.removedAt).toBeUndefined();
  });

  it('a late add stamped before a stored remove does not undo it', () => {
    const removed = recordAfterActivity(installed, input(events.uninstall(place), t(30), { status: 'removed', reason: 'installationRemoved' }), now).record;
    const late = recordAfterActivity(removed, input(events.install(place), t(25), { status: 'active', reason: 'installationAdded' }), now);
    expect(late.verdict).toBe('superseded');
    expect(late.record.status).toBe('removed');
    // The older activity's reference does not replace the newer one either.
    expect(late.record.referenceAt).toBe(t(30).toISOString());
    expect(late.record.reference.activityId).toBe(removed.reference.activityId);
  });

  it('a late prune (send saw 403 before the re-install) does not undo the re-install', () => {
    const reinstalled = recordAfterStatusChange(installed, { status: 'active', reason: 'installationAdded', at: t(40) }, now).record;
    const prune = recordAfterStatusChange(reinstalled, { status: 'removed', reason: 'BotNotInConversationRoster', at: t(35) }, now);
    expect(prune.verdict).toBe('superseded');
    expect(prune.record).toBe(reinstalled);
  });

  it('equal times: the decision applied last wins', () => {
    const removed = recordAfterStatusChange(installed, { status: 'removed', reason: 'installationRemoved', at: t(10) }, now);
    expect(removed.verdict).toBe('applied');
    expect(removed.record.status).toBe('removed');
  });

  it('a second removal keeps the first cause but advances the decision time', () => {
    const first = recordAfterStatusChange(installed, { status: 'removed', reason: 'installationRemoved', at: t(20) }, now).record;
    const second = recordAfterStatusChange(first, { status: 'removed', reason: 'BotNotInConversationRoster', at: t(25) }, now);
    expect(second.record).toMatchObject({ removedReason: 'installationRemoved', removedAt: t(20).toISOString(), statusChangedAt: t(25).toISOString() });
  });

  it('an activation limited to one removal reason leaves other removals alone', () => {
    const archived = recordAfterStatusChange(installed, { status: 'removed', reason: 'teamArchived', at: t(20) }, now).record;
    const unarchive: StatusChange = { status: 'active', reason: 'teamUnarchived', at: t(30), onlyIfRemovedFor: ['teamArchived'] };
    expect(recordAfterStatusChange(archived, unarchive, now).record.status).toBe('active');
    const uninstalled = recordAfterStatusChange(installed, { status: 'removed', reason: 'installationRemoved', at: t(20) }, now).record;
    expect(recordAfterStatusChange(uninstalled, unarchive, now).verdict).toBe('notApplicable');
    expect(recordAfterStatusChange(installed, unarchive, now).verdict).toBe('notApplicable');
  });

  it('a user message after a block reactivates (Teams: wait until the user initiates)', () => {
    const blocked = recordAfterStatusChange(installed, { status: 'removed', reason: 'ConversationBlockedByUser', at: t(20) }, now).record;
    const after = recordAfterActivity(blocked, input(events.message(place), t(30), { status: 'active', reason: 'userActivity' }), now);
    expect(after.record).toMatchObject({ status: 'active', statusReason: 'userActivity' });
  });

  it('a newer activity replaces the reference (serviceUrl moves); facts stay and are filled in', () => {
    const moved = { ...place, serviceUrl: 'https://smba.trafficmanager.net/emea/' };
    const after = recordAfterActivity(installed, input(events.message(moved), t(30)), now);
    expect(after.verdict).toBeUndefined();
    expect(after.record.reference.serviceUrl).toBe('https://smba.trafficmanager.net/emea/');
    expect(after.record.revision).toBe(2);

    const channel = teamChannel();
    const json = events.install(channel);
    delete (json.channelData as Record<string, unknown>).team;
    const withoutTeam = newRecordFromActivity(input(json, t(1)), now);
    expect(withoutTeam.teamId).toBeUndefined();
    expect(recordAfterActivity(withoutTeam, input(events.message(channel), t(2)), now).record.teamId).toBe(channel.teamId);
  });

  it('the serviceUrl override is remembered and forgotten, and used for sends', () => {
    const gcc = recordWithServiceUrlOverride(installed, 'https://smba.infra.gcc.teams.microsoft.com/', now);
    expect(effectiveServiceUrl(gcc)).toBe('https://smba.infra.gcc.teams.microsoft.com/');
    const cleared = recordWithServiceUrlOverride(gcc, undefined, now);
    expect(cleared.serviceUrlOverride).toBeUndefined();
    expect(effectiveServiceUrl(cleared)).toBe(installed.reference.serviceUrl);
  });
});
