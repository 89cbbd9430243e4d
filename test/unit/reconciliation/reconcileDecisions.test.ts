import { sendMessageFor } from '../../../shared/notifications/copies/copyOperationMessages';
import { fanOutMessage } from '../../../shared/notifications/intake/tenantFanOut';
import { type FanOutProgress, type NotificationRecord } from '../../../shared/notifications/store/notificationStore';
import { deliveryMessageId } from '../../../shared/queue/deliveryMessage';
import { notificationsQueueSettings } from '../../../shared/queue/notificationsQueueSettings';
import { deliveryAction, fanOutAction, reconcileTransition, requeueMessage } from '../../../shared/reconciliation/reconcileDecisions';
import { maxReconciliations, reconcileAfterInMs } from '../../../shared/reconciliation/reconcileSchedule';
import { deliveryCreatedAt, deliveryRecord } from '../notifications/deliveryRecordFixture';

const created = deliveryCreatedAt;
const now = new Date('2026-03-01T12:00:00.000Z');
const clock = { now, cutoff: new Date(now.getTime() - reconcileAfterInMs) };

const notification: Pick<NotificationRecord, 'id' | 'message' | 'sendAt' | 'expiresAt' | 'deleted'> = { id: 'n-1', message: { text: 'hello' }, deleted: false };

const delivery = deliveryRecord;

describe('reconcile decisions', () => {
  it('waits longer than Service Bus keeps a message id for duplicate detection, so the re-queue is not dropped', () => {
    expect(reconcileAfterInMs).toBeGreaterThan(notificationsQueueSettings.duplicateDetectionWindowInMs);
  });

  it('leaves what moved since the cutoff, and anything final, alone', () => {
    const recent = new Date(clock.cutoff.getTime() + 1).toISOString();
    expect(deliveryAction(delivery('queued', { updatedAt: recent }), notification, clock, maxReconciliations)).toEqual({ action: 'wait', lastMoved: Date.parse(recent) });
    for (const status of ['sent', 'failed', 'skipped', 'cancelled'] as const) expect(deliveryAction(delivery(status), notification, clock, maxReconciliations).action).toBe('wait');
    // A scheduled send counts from its sendAt, not from when it was accepted.
    const scheduled = { ...notification, sendAt: new Date(now.getTime() - 60_000).toISOString() };
    expect(deliveryAction(delivery('queued'), scheduled, clock, maxReconciliations).action).toBe('wait');
  });

  it('re-queues a quiet queued or sending delivery', () => {
    expect(deliveryAction(delivery('queued'), notification, clock, maxReconciliations)).toEqual({ action: 'requeue' });
    expect(deliveryAction(delivery('sending', { attempts: 2 }), notification, clock, maxReconciliations)).toEqual({ action: 'requeue' });
  });

  it('re-queues with the id the lost message had: the first send, the scheduled retry, or the interrupted attempt', () => {
    const first = requeueMessage(delivery('queued'), notification);
    expect(first).toEqual(sendMessageFor(delivery('queued'), notification));
    expect(requeueMessage(delivery('queued', { attempts: 2 }), notification).body.attempt).toBe(3);
    const interrupted = requeueMessage(delivery('sending', { attempts: 2 }), notification);
    expect(interrupted.body.attempt).toBe(2);
    expect(deliveryMessageId(interrupted.body)).toBe(deliveryMessageId({ ...sendMessageFor(delivery('sending'), notification).body, attempt: 2 }));
  });

  it('finalizes instead of re-queuing: expired, deleted, or lost too often', () => {
    const expired = { ...notification, expiresAt: new Date(now.getTime() - 1).toISOString() };
    expect(deliveryAction(delivery('queued'), expired, clock, maxReconciliations)).toMatchObject({ action: 'finish', error: { code: 'Expired' }, failureClass: 'expired' });
    const deleted = { ...notification, deleted: true };
    expect(deliveryAction(delivery('queued'), deleted, clock, maxReconciliations)).toEqual({ action: 'cancel' });
    expect(deliveryAction(delivery('sending', { attempts: 1 }), deleted, clock, maxReconciliations)).toMatchObject({ action: 'finish', error: { code: 'SendInterrupted' } });
    expect(deliveryAction(delivery('queued', { reconciliations: maxReconciliations }), notification, clock, maxReconciliations)).toMatchObject({
      action: 'finish',
      error: { code: 'QueueMessageLost' },
      failureClass: 'exhausted',
    });
  });

  it('decides again on the row as it stands: a row that moved meanwhile is unchanged; a re-queue is stamped and counted', () => {
    const transition = reconcileTransition(notification, clock, maxReconciliations);
    expect(transition(delivery('sent', { activityId: 'a' }))).toEqual({ verdict: 'unchanged' });
    expect(transition(delivery('queued', { updatedAt: now.toISOString() }))).toEqual({ verdict: 'unchanged' });
    expect(transition(delivery('queued', { reconciliations: 1 }))).toEqual({
      verdict: 'applied',
      record: { ...delivery('queued'), reconciledAt: now.toISOString(), reconciliations: 2, updatedAt: now.toISOString() },
    });
    const expired = reconcileTransition({ ...notification, expiresAt: created.toISOString() }, clock, maxReconciliations)(delivery('sending', { attempts: 1 }));
    expect(expired).toMatchObject({ verdict: 'applied', record: { status: 'failed', failureClass: 'expired', reconciledAt: now.toISOString() } });
  });

  it('resumes a broadcast whose next step was lost at the page it had reached, or ends it', () => {
    const progress: FanOutProgress = {
      notificationId: 'n-1',
      targetIndex: 1,
      tenantId: 't-1',
      scope: 'personal',
      pagesDone: 2,
      deliveries: 2000,
      state: 'expanding',
      nextContinuationToken: 'token-3',
      updatedAt: created.toISOString(),
    };
    expect(fanOutAction(progress, notification, clock)).toEqual({
      action: 'resume',
      message: fanOutMessage('n-1', { targetIndex: 1, tenantId: 't-1', scope: 'personal', page: 2, continuationToken: 'token-3' }),
      progress: { ...progress, updatedAt: now.toISOString() },
    });
    expect(fanOutAction({ ...progress, state: 'done' }, notification, clock)).toBeUndefined();
    expect(fanOutAction({ ...progress, updatedAt: now.toISOString() }, notification, clock)).toEqual({ action: 'wait', lastMoved: now.getTime() });
    expect(fanOutAction(progress, { ...notification, deleted: true }, clock)).toMatchObject({ action: 'end', progress: { state: 'stopped' } });
    const { nextContinuationToken: _token, ...withoutToken } = progress;
    expect(fanOutAction(withoutToken, notification, clock)).toMatchObject({ action: 'end', progress: { state: 'failed', error: { code: 'FanOutInterrupted' } } });
  });
});
