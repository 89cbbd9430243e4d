import {
  chunkedText,
  deliveryFromEntity,
  deliveryRowKey,
  deliveryToEntity,
  joinedText,
  notificationFromEntity,
  notificationToEntity,
} from '../../../../shared/notifications/store/notificationEntity';
import { type DeliveryRecord, type NotificationRecord } from '../../../../shared/notifications/store/notificationStore';

describe('notification and delivery entities', () => {
  it('splits long text over properties of at most 30,000 characters and joins it back, never inside a surrogate pair', () => {
    const text = `${'a'.repeat(29_999)}😀${'b'.repeat(40_000)}`;

    const columns = chunkedText('messageJson', text);

    expect(columns.messageJsonParts).toBe(3);
    expect((columns.messageJson as string).length).toBe(29_999);
    expect(Object.values(columns).every((value) => typeof value === 'number' || value.length <= 30_000)).toBe(true);
    expect(Object.values(columns).every((value) => typeof value === 'number' || Buffer.from(value, 'utf8').toString('utf8') === value)).toBe(true);
    expect(joinedText(columns, 'messageJson')).toBe(text);
    expect(joinedText(chunkedText('x', ''), 'x')).toBe('');
    expect(joinedText({ x: 'a', xParts: 2 }, 'x')).toBeUndefined();
  });

  it('round-trips a notification with a large card', () => {
    const record: NotificationRecord = {
      id: 'n-1',
      createdAt: '2026-03-01T10:00:00.000Z',
      state: 'accepted',
      digest: 'sha256:abc',
      message: { card: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'é'.repeat(35_000) }] }, summary: 'big' },
      sendAt: '2026-03-01T11:00:00.000Z',
      revision: 2,
      deleted: false,
      updatedAt: '2026-03-01T10:01:00.000Z',
    };

    const entity = notificationToEntity(record);

    expect(entity).toMatchObject({ partitionKey: 'n-1', rowKey: 'notification', messageJsonParts: 2 });
    expect(notificationFromEntity({ ...entity, etag: 'W/"1"' })).toEqual({ ...record, etag: 'W/"1"' });
  });

  it('round-trips every kind of delivery row, with unresolved rows keyed apart from conversations', () => {
    const base = { notificationId: 'n-1', status: 'queued' as const, attempts: 0, createdAt: 't0', updatedAt: 't1' };
    const records: DeliveryRecord[] = [
      {
        ...base,
        key: '19:abc;messageid=1/#?',
        origin: 'direct',
        conversationId: '19:abc;messageid=1/#?',
        conversationType: 'channel',
        tenantId: 't',
        target: { teamId: 'x' },
        status: 'sent',
        activityId: '17000',
        attempts: 2,
        lastError: { status: 503, code: 'ServiceUnavailable', message: 'busy' },
        lastOperation: { operation: 'update', revision: 1, status: 'sent', updatedAt: 't2' },
      },
      { ...base, key: 'user:t:u', origin: 'fanOut:3', createFor: { tenantId: 't', userAadObjectId: 'u', referenceConversationId: 'a:1' }, conversationType: 'personal', installation: { status: 'installing', requestedAt: 't0' } },
      { ...base, key: 'target:4', origin: 'direct', target: { conversationId: 'a:1x' }, unresolved: { targetIndex: 4, reason: 'ConversationRemoved', removalReason: 'installationRemoved' }, status: 'skipped' },
    ];

    for (const record of records) expect(deliveryFromEntity({ ...deliveryToEntity(record), etag: 'e' })).toEqual({ ...record, etag: 'e' });
    expect(records.map(deliveryRowKey)).toEqual(['MTk6YWJjO21lc3NhZ2VpZD0xLyM_', 'dXNlcjp0OnU', 'u.4']);
    expect(() => deliveryFromEntity({ partitionKey: 'n-1', status: 'lost' })).toThrow(/does not match its schema/);
  });
});
