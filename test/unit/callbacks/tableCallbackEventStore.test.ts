import { callbackEventId, type CallbackEventRecord, newCallbackEvent } from '../../../shared/callbacks/callbackEvent';
import { callbackEventFromEntity, callbackEventToEntity } from '../../../shared/callbacks/tableCallbackEventStore';

const now = new Date('2026-03-01T10:00:00Z');

describe('callback event rows', () => {
  it('round-trip through a Table entity in the notification’s partition', () => {
    const eventId = callbackEventId('n-1', 'delivery.failed', 'a:1xyz');
    const event: CallbackEventRecord = {
      ...newCallbackEvent('https://hooks.contoso.com/x?token=t', { eventId, type: 'delivery.failed', notificationId: 'n-1', status: 'failed', at: now.toISOString(), delivery: { conversationId: 'a:1xyz' } }, now),
      attempts: [{ at: now.toISOString(), outcome: 'retry', status: 503, code: 'HTTP_503' }],
      nextAttemptAt: '2026-03-01T10:00:30.000Z',
    };
    const entity = callbackEventToEntity(event);
    expect(entity).toMatchObject({ partitionKey: 'n-1', rowKey: `callback.${eventId}` });
    expect(callbackEventFromEntity({ ...entity, etag: 'W/"1"', timestamp: now.toISOString() })).toEqual({ ...event, etag: 'W/"1"' });
  });

  it('have deterministic ids: one per notification and type, and per delivery for failures', () => {
    expect(callbackEventId('n-1', 'notification.final')).toBe(callbackEventId('n-1', 'notification.final'));
    expect(callbackEventId('n-1', 'notification.final')).not.toBe(callbackEventId('n-2', 'notification.final'));
    expect(callbackEventId('n-1', 'delivery.failed', 'a')).not.toBe(callbackEventId('n-1', 'delivery.failed', 'b'));
    expect(callbackEventId('n-1', 'notification.final')).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it('refuse a stored row that does not parse', () => {
    expect(() => callbackEventFromEntity({ partitionKey: 'n-1', eventId: 'evt_1', type: 'other' })).toThrow(/callback event/);
  });
});
