import { dueCheckPartitionKey, minuteBucket, partitionKeyAfterMinuteOf } from '../../../shared/reconciliation/dueCheckKeys';

describe('due-check keys', () => {
  it('partitions by the minute, in an order that sorts as time does', () => {
    const key = dueCheckPartitionKey('n-1', new Date('2026-03-01T10:05:59.999Z'));
    expect(key).toMatch(/^2026-03-01T10:05Z~[0-3]$/);
    expect(dueCheckPartitionKey('n-1', new Date('2026-03-01T10:05:00.000Z'))).toBe(key);
    expect(minuteBucket(new Date('2026-03-01T09:59:00Z')) < minuteBucket(new Date('2026-03-01T10:00:00Z'))).toBe(true);
  });

  it('a range up to the cutoff takes every shard of its minute and nothing of the next', () => {
    const cutoff = new Date('2026-03-01T10:05:30.000Z');
    const after = partitionKeyAfterMinuteOf(cutoff);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
      expect(dueCheckPartitionKey(id, cutoff) < after).toBe(true);
      expect(dueCheckPartitionKey(id, new Date('2026-03-01T10:06:00.000Z')) < after).toBe(false);
    }
  });
});
