import { markCancelled, markFinished, markSending, markSent, recordCopyOperation, recordInstalling, recordRetry } from '../../../../shared/notifications/store/deliveryTransitions';
import { type DeliveryRecord, type DeliveryTransition } from '../../../../shared/notifications/store/notificationStore';
import { deliveryRecord } from '../deliveryRecordFixture';

const now = new Date('2026-03-01T10:05:00.000Z');

const delivery = deliveryRecord;

const after = (transition: DeliveryTransition, record: DeliveryRecord) => {
  const result = transition(record);
  return result.verdict === 'applied' ? result.record : 'unchanged';
};

describe('delivery transitions', () => {
  it('lets a send go ahead only while the delivery is pending (again after a crash)', () => {
    expect(after(markSending(1, now), delivery('queued'))).toMatchObject({ status: 'sending', attempts: 1, updatedAt: now.toISOString() });
    expect(after(markSending(1, now), delivery('sending', { attempts: 1 }))).toMatchObject({ status: 'sending', attempts: 1 });
    for (const status of ['sent', 'failed', 'skipped', 'cancelled'] as const) expect(after(markSending(2, now), delivery(status))).toBe('unchanged');
  });

  it('records a posted copy whatever else happened, and clears the last error', () => {
    const retried = delivery('sending', { attempts: 2, lastError: { status: 503, code: 'ServiceUnavailable', message: 'x' } });
    const { lastError: _lastError, ...rest } = retried;
    expect(after(markSent({ activityId: 'act-1', attempt: 2 }, now), retried)).toStrictEqual({ ...rest, status: 'sent', activityId: 'act-1', attempts: 2, updatedAt: now.toISOString() });
    // Cancelled by a DELETE while the post was in flight: the copy exists, and the queued delete removes it.
    expect(after(markSent({ activityId: 'act-1' }, now), delivery('cancelled'))).toMatchObject({ status: 'sent', activityId: 'act-1' });
    expect(after(markSent({ activityId: 'act-1' }, now), delivery('sent', { activityId: 'act-1' }))).toBe('unchanged');
    expect(after(markSent({ activityId: 'act-9', conversationId: 'a:1created' }, now), delivery('sending', { conversationId: undefined }))).toMatchObject({ conversationId: 'a:1created' });
  });

  it('records a proactive install once on a pending delivery, and shows it installed once the copy is sent', () => {
    const installing = after(recordInstalling(now), delivery('queued'));
    expect(installing).toMatchObject({ status: 'queued', installation: { status: 'installing', requestedAt: now.toISOString() } });
    if (installing === 'unchanged') return;
    expect(after(recordInstalling(new Date('2026-03-01T10:06:00.000Z')), installing)).toBe('unchanged');
    expect(after(recordInstalling(now), delivery('cancelled'))).toBe('unchanged');
    expect(after(markSent({ activityId: 'act-1' }, now), { ...installing, status: 'sending' })).toMatchObject({ status: 'sent', installation: { status: 'installed', requestedAt: now.toISOString() } });
  });

  it('puts a retried delivery back to queued with the attempt and error, unless it is settled', () => {
    const error = { status: 429, code: 'TooManyRequests', message: 'slow down' };
    expect(after(recordRetry(1, error, now), delivery('sending', { attempts: 1 }))).toMatchObject({ status: 'queued', attempts: 1, lastError: error });
    expect(after(recordRetry(1, error, now), delivery('cancelled'))).toBe('unchanged');
    expect(after(recordRetry(1, error, now), delivery('sent'))).toBe('unchanged');
  });

  it('finishes a pending delivery as failed or skipped, never a sent, cancelled or finished one', () => {
    const outcome = { status: 'failed' as const, error: { status: 403, code: 'ConversationBlockedByUser', message: 'blocked' }, failureClass: 'gone' };
    expect(after(markFinished(outcome, now), delivery('sending'))).toMatchObject({ status: 'failed', failureClass: 'gone', lastError: outcome.error });
    expect(after(markFinished({ ...outcome, status: 'skipped' }, now), delivery('queued'))).toMatchObject({ status: 'skipped' });
    expect(after(markFinished(outcome, now), delivery('sent'))).toBe('unchanged');
    expect(after(markFinished(outcome, now), delivery('cancelled'))).toBe('unchanged');
    // The first classified end stands (the send function records it before dead-lettering).
    expect(after(markFinished({ ...outcome, failureClass: 'exhausted' }, now), delivery('failed'))).toBe('unchanged');
    expect(after(markFinished(outcome, now), delivery('skipped'))).toBe('unchanged');
  });

  it('cancels only a delivery nobody is posting yet', () => {
    expect(after(markCancelled(now), delivery('queued'))).toMatchObject({ status: 'cancelled' });
    for (const status of ['sending', 'sent', 'failed', 'skipped', 'cancelled'] as const) expect(after(markCancelled(now), delivery(status))).toBe('unchanged');
  });

  it('keeps the newest update, and a delete over any update', () => {
    const update = (revision: number) => recordCopyOperation({ operation: 'update', revision, status: 'sent' }, now);
    const v2 = after(update(2), delivery('sent'));
    expect(v2).toMatchObject({ lastOperation: { operation: 'update', revision: 2, status: 'sent', updatedAt: now.toISOString() } });
    expect(after(update(1), v2 as DeliveryRecord)).toBe('unchanged');
    expect(after(update(2), v2 as DeliveryRecord)).not.toBe('unchanged');
    const deleted = after(recordCopyOperation({ operation: 'delete', revision: 0, status: 'sent' }, now), v2 as DeliveryRecord);
    expect(deleted).toMatchObject({ lastOperation: { operation: 'delete' } });
    expect(after(update(3), deleted as DeliveryRecord)).toBe('unchanged');
    expect(after(recordCopyOperation({ operation: 'delete', revision: 0, status: 'failed', error: { code: 'x', message: 'y' } }, now), deleted as DeliveryRecord)).toMatchObject({
      lastOperation: { operation: 'delete', status: 'failed' },
    });
  });
});
