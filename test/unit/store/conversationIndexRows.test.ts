import { conversationFactsOf } from '../../../shared/activity/conversationFacts';
import { conversationReferenceOf } from '../../../shared/activity/conversationReference';
import { parseInboundActivity } from '../../../shared/activity/inboundActivity';
import { conversationFromEntity, conversationToEntity, indexRowFromEntity, indexRowToEntity } from '../../../shared/store/conversationEntity';
import { indexRowsOf, teamConversationRange, teamPartition, tenantConversationRange, tenantPartition, tenantUserRange } from '../../../shared/store/conversationIndexRows';
import { newRecordFromActivity } from '../../../shared/store/conversationTransitions';
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
});
