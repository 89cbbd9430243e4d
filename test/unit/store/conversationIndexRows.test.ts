import { conversationFactsOf } from '../../../shared/activity/conversationFacts';
import { conversationReferenceOf } from '../../../shared/activity/conversationReference';
import { parseInboundActivity } from '../../../shared/activity/inboundActivity';
import { conversationFromEntity, conversationToEntity, indexRowFromEntity, indexRowToEntity } from '../../../shared/store/conversationEntity';
import {
  indexRefreshAfterInMs,
  indexRowsOf,
  teamConversationRange,
  teamPartition,
  tenantConversationRange,
  tenantPartition,
  tenantUserRange,
  withIndexPlan,
} from '../../../shared/store/conversationIndexRows';
import { newRecordFromActivity, recordAfterActivity, recordAfterStatusChange } from '../../../shared/store/conversationTransitions';
import { type ConversationRecord } from '../../../shared/store/storedConversation';
import { encodeKeyPart } from '../../../shared/store/tableKeyEncoding';
import { events, groupChat, personalChat, type Place, teamChannel } from '../activity/teamsActivityFixtures';

function recordFor(place: Place): ConversationRecord {
  const activity = parseInboundActivity(JSON.stringify(events.install(place)));
  return newRecordFromActivity({ reference: conversationReferenceOf(activity), facts: conversationFactsOf(activity), eventAt: new Date() }, new Date());
}

const within = (key: string, range: { from: string; to: string }): boolean => key >= range.from && key < range.to;

describe('conversation index rows', () => {
  it('personal: a tenant row and a user row, both in the tenant partition', () => {
    const place = personalChat();
    const rows = indexRowsOf(recordFor(place));
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.partitionKey === tenantPartition(place.tenantId))).toBe(true);
    expect(rows.filter((r) => within(r.rowKey, tenantConversationRange('personal')))).toHaveLength(1);
    expect(rows.filter((r) => within(r.rowKey, tenantUserRange(place.user.aadObjectId)))).toHaveLength(1);
    expect(rows[0]).toMatchObject({ conversationId: place.conversationId, status: 'active', revision: 1 });
  });

  it('group chat: only the tenant row', () => {
    const rows = indexRowsOf(recordFor(groupChat()));
    expect(rows.map((r) => r.rowKey.split('.').slice(0, 2).join('.'))).toEqual(['c.groupChat']);
  });

  it('channel: a tenant row and a team row in the team partition; threads are their own kind', () => {
    const place = teamChannel();
    const rows = indexRowsOf(recordFor(place));
    expect(rows.map((r) => r.partitionKey)).toEqual([tenantPartition(place.tenantId), teamPartition(place.teamId!)]);
    expect(within(rows[1]!.rowKey, teamConversationRange())).toBe(true);
    const thread = indexRowsOf(recordFor({ ...place, conversationId: `${place.teamId};messageid=42` }));
    expect(within(thread[0]!.rowKey, tenantConversationRange('thread'))).toBe(true);
    expect(within(thread[0]!.rowKey, tenantConversationRange('channel'))).toBe(false);
  });

  it("one user's range never includes another user's rows, even when one id prefixes the other", () => {
    const range = tenantUserRange('abc');
    expect(within(`u.${encodeKeyPart('abc')}.${encodeKeyPart('x')}`, range)).toBe(true);
    expect(within(`u.${encodeKeyPart('abcd')}.${encodeKeyPart('x')}`, range)).toBe(false);
  });
});

describe('conversation entities', () => {
  it('round-trip a record (reference as JSON, optional columns absent rather than null)', () => {
    const record = recordFor(teamChannel());
    const entity = conversationToEntity({ ...record, etag: 'W/"x"' } as ConversationRecord);
    expect(entity.etag).toBeUndefined();
    expect(typeof entity.reference).toBe('string');
    expect('removedReason' in entity).toBe(false);
    expect(entity.serviceUrl).toBe(record.reference.serviceUrl);
    expect(conversationFromEntity({ ...entity, etag: 'W/"1"', timestamp: 'x' })).toEqual({ ...record, etag: 'W/"1"' });
  });

  it('refuse an entity that does not match the schema', () => {
    const entity = conversationToEntity(recordFor(personalChat()));
    expect(() => conversationFromEntity({ ...entity, etag: 'e', status: 'maybe' })).toThrow(/does not match its schema/);
    expect(() => conversationFromEntity({ ...entity, etag: 'e', reference: '{' })).toThrow(/unreadable reference/);
  });

  it('index rows round-trip', () => {
    const [row] = indexRowsOf(recordFor(personalChat()));
    expect(indexRowFromEntity(indexRowToEntity(row!))).toEqual(row);
  });

  describe('which writes rewrite the rows (withIndexPlan)', () => {
    const place = personalChat();
    const t0 = new Date(); // recordFor stamps its events now
    const later = (ms: number): Date => new Date(t0.getTime() + ms);
    const afterActivity = (previous: ConversationRecord, json: unknown, at: Date): ConversationRecord => {
      const activity = parseInboundActivity(JSON.stringify(json));
      return recordAfterActivity(previous, { reference: conversationReferenceOf(activity), facts: conversationFactsOf(activity), eventAt: at }, at).record;
    };
    const installed = withIndexPlan(undefined, recordFor(place), t0).record;

    it('a new record writes its rows and is stamped', () => {
      const plan = withIndexPlan(undefined, recordFor(place), t0);
      expect(plan).toMatchObject({ syncIndex: true, record: { indexedAt: t0.toISOString() } });
    });

    it('a message refreshes the reference and confirms the status, not what the rows hold: no rewrite, the stamp carries over', () => {
      const userActivity = (record: ConversationRecord, at: Date): ConversationRecord =>
        recordAfterStatusChange(afterActivity(record, events.message(place, 'hi', at), at), { status: 'active', reason: 'userActivity', at }, at).record;
      // The first message changes the reason (installationAdded or none -> userActivity): rows rewritten.
      const first = withIndexPlan(installed, userActivity(installed, later(1_000)), later(1_000));
      expect(first.syncIndex).toBe(true);
      const next = userActivity(first.record, later(2_000));
      expect(next.referenceAt).not.toBe(first.record.referenceAt);
      expect(next.statusChangedAt).not.toBe(first.record.statusChangedAt);
      const plan = withIndexPlan(first.record, next, later(2_000));
      expect(plan.syncIndex).toBe(false);
      expect(plan.record).toEqual({ ...next, indexedAt: later(1_000).toISOString() });
    });

    it('an uninstall changes the summary: the rows are rewritten', () => {
      const { record: next } = recordAfterStatusChange(installed, { status: 'removed', reason: 'installationRemoved', at: later(1_000) }, later(1_000));
      expect(next.status).toBe('removed');
      expect(withIndexPlan(installed, next, later(1_000))).toMatchObject({ syncIndex: true, record: { indexedAt: later(1_000).toISOString() } });
    });

    it('rows last written over an hour ago are rewritten even when nothing changed (repairs a crash between record and rows)', () => {
      const at = later(indexRefreshAfterInMs);
      const next = afterActivity(installed, events.message(place, 'hi', at), at);
      expect(withIndexPlan(installed, next, at).syncIndex).toBe(true);
      expect(withIndexPlan(installed, next, later(indexRefreshAfterInMs - 1)).syncIndex).toBe(false);
    });

    it('a record stored before the stamp existed rewrites its rows once', () => {
      const { indexedAt: _indexedAt, ...unstamped } = installed;
      const next = afterActivity(unstamped, events.message(place, 'hi', later(1_000)), later(1_000));
      expect(withIndexPlan(unstamped, next, later(1_000)).syncIndex).toBe(true);
    });

    it('the stamp survives the entity round trip', () => {
      const entity = conversationToEntity(installed);
      expect(conversationFromEntity({ ...entity, etag: 'e' }).indexedAt).toBe(t0.toISOString());
    });
  });
});
