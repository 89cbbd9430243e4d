import { allNotificationsPartition, listEntryToEntities, listRowKey, listRowKeyRange, tagPartition } from '../../../../shared/notifications/status/notificationListIndex';

describe('the notification list index', () => {
  it('orders newer notifications first as text, whatever the ids', () => {
    const keys = ['2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.001Z', '2031-01-01T00:00:00.000Z', '2001-09-09T01:46:40.000Z'].map((at) => listRowKey(at, 'zz'));

    expect([...keys].sort()).toEqual([keys[2], keys[1], keys[0], keys[3]]);
    expect(listRowKey('2026-03-01T10:00:00.000Z', 'a')).toMatch(/^\d{13}\.a$/);
  });

  it('turns an exclusive time window into a RowKey range', () => {
    const at = (iso: string) => listRowKey(iso, 'n-1');
    const { from = '', to = '' } = listRowKeyRange({ createdAfter: '2026-03-01T10:00:00.000Z', createdBefore: '2026-03-01T10:03:00.000Z' });
    const inside = (key: string) => key >= from && key < to;

    expect(inside(at('2026-03-01T10:00:00.000Z'))).toBe(false);
    expect(inside(at('2026-03-01T10:00:00.001Z'))).toBe(true);
    expect(inside(at('2026-03-01T10:02:59.999Z'))).toBe(true);
    expect(inside(at('2026-03-01T10:03:00.000Z'))).toBe(false);
    expect(listRowKeyRange({})).toEqual({});
  });

  it('lists a tagged notification twice, under all and under its tag, in partitions no notification id can have', () => {
    const rows = listEntryToEntities({ id: 'n-1', createdAt: '2026-03-01T10:00:00.000Z', tag: 'payments/api' });

    expect(rows.map((row) => row.partitionKey)).toEqual([allNotificationsPartition, tagPartition('payments/api')]);
    expect(rows.every((row) => /^_/.test(row.partitionKey) && !/[/\\#?]/.test(row.partitionKey))).toBe(true);
    expect(listEntryToEntities({ id: 'n-2', createdAt: '2026-03-01T10:00:00.000Z' })).toHaveLength(1);
  });
});
