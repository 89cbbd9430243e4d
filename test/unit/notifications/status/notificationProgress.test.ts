import {
  type DeliveryProgressRow,
  deliveryViewStatus,
  emptyTally,
  finalNotificationStatuses,
  notificationStatus,
  tallyDelivery,
} from '../../../../shared/notifications/status/notificationProgress';
import { type CopyOperationState, type FanOutState } from '../../../../shared/notifications/store/notificationStore';

const at = '2026-03-01T10:00:00.000Z';
const deleteDone: CopyOperationState = { operation: 'delete', revision: 1, status: 'sent', updatedAt: at };
const deleteRetrying: CopyOperationState = { operation: 'delete', revision: 1, status: 'queued', updatedAt: at };
const deleteFailed: CopyOperationState = { operation: 'delete', revision: 1, status: 'failed', error: { code: 'ActivityNotFoundInConversation', message: 'm' }, updatedAt: at };
const updateDone: CopyOperationState = { operation: 'update', revision: 1, status: 'sent', updatedAt: at };

function tally(...rows: DeliveryProgressRow[]) {
  const result = emptyTally();
  for (const row of rows) tallyDelivery(result, row);
  return result;
}

function statusOf(rows: DeliveryProgressRow[], notification: { deleted?: boolean; state?: 'accepting' | 'accepted' } = {}, fanOuts: FanOutState[] = []) {
  return notificationStatus({ state: notification.state ?? 'accepted', deleted: notification.deleted ?? false }, tally(...rows), fanOuts.map((state) => ({ state })));
}

describe('a notification’s overall status', () => {
  it('stays accepted while a copy is queued or being posted, or a broadcast is still expanding', () => {
    expect(statusOf([{ status: 'sent' }, { status: 'queued' }])).toBe('accepted');
    expect(statusOf([{ status: 'sending' }])).toBe('accepted');
    expect(statusOf([{ status: 'sent' }], {}, ['expanding'])).toBe('accepted');
    expect(statusOf([], { state: 'accepting' })).toBe('accepting');
  });

  it('ends completed, completedWithFailures or failed by what became of every copy', () => {
    expect(statusOf([{ status: 'sent' }, { status: 'sent', lastOperation: updateDone }])).toBe('completed');
    expect(statusOf([{ status: 'sent' }, { status: 'failed' }])).toBe('completedWithFailures');
    expect(statusOf([{ status: 'sent' }, { status: 'skipped' }])).toBe('completedWithFailures');
    expect(statusOf([{ status: 'sent' }], {}, ['failed'])).toBe('completedWithFailures');
    expect(statusOf([{ status: 'failed' }, { status: 'skipped' }])).toBe('failed');
    expect(statusOf([], {}, ['failed'])).toBe('failed');
    // A broadcast to a tenant with no conversation of its kind reached everyone there was.
    expect(statusOf([], {}, ['done'])).toBe('completed');
  });

  it('is deleting until every posted copy’s delete has finished, then deleted', () => {
    expect(statusOf([{ status: 'sent' }, { status: 'cancelled' }], { deleted: true })).toBe('deleting');
    expect(statusOf([{ status: 'sent', lastOperation: updateDone }], { deleted: true })).toBe('deleting');
    expect(statusOf([{ status: 'sent', lastOperation: deleteRetrying }], { deleted: true })).toBe('deleting');
    expect(statusOf([{ status: 'sending' }], { deleted: true })).toBe('deleting');
    expect(statusOf([{ status: 'cancelled' }], { deleted: true }, ['expanding'])).toBe('deleting');
    expect(statusOf([{ status: 'sent', lastOperation: deleteDone }, { status: 'cancelled' }, { status: 'failed' }], { deleted: true }, ['stopped'])).toBe('deleted');
    // A delete Teams refused is final too: the copy's lastOperation says why it is still there.
    expect(statusOf([{ status: 'sent', lastOperation: deleteFailed }], { deleted: true })).toBe('deleted');
  });

  it('names exactly the final statuses as final', () => {
    expect([...finalNotificationStatuses].sort()).toEqual(['completed', 'completedWithFailures', 'deleted', 'failed']);
  });
});

describe('counts', () => {
  it('count a deleted copy as deleted, not sent, and a copy being posted as queued', () => {
    expect(tally({ status: 'sent', lastOperation: deleteDone }, { status: 'sent', lastOperation: deleteFailed }, { status: 'sending' }, { status: 'cancelled' }, { status: 'skipped' })).toEqual({
      counts: { queued: 1, sent: 1, failed: 0, skipped: 1, cancelled: 1, deleted: 1 },
      deletesPending: 1,
    });
  });

  it('show a copy as deleted only once its delete went through', () => {
    expect(deliveryViewStatus({ status: 'sent', lastOperation: deleteDone })).toBe('deleted');
    expect(deliveryViewStatus({ status: 'sent', lastOperation: deleteRetrying })).toBe('sent');
    expect(deliveryViewStatus({ status: 'sent', lastOperation: updateDone })).toBe('sent');
    expect(deliveryViewStatus({ status: 'failed', lastOperation: { ...deleteDone, status: 'skipped' } })).toBe('failed');
  });
});
