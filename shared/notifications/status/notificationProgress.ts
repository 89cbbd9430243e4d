import { type CopyOperationState, type DeliveryCounts, type DeliveryStatus, type FanOutProgress, type NotificationRecord } from '../store/notificationStore';

/**
 * Where a notification stands, derived from its delivery rows as the status read already loads them: nothing
 * is written on the send path for it. Pure.
 *
 *   accepting ──▶ accepted ──▶ completed | completedWithFailures | failed
 *                    └── DELETE ──▶ deleting ──▶ deleted
 *
 * Final once every delivery is final (sent, failed, skipped, cancelled, or deleted) and no broadcast is still
 * expanding; for a deleted notification also once every posted copy's delete has finished (done or given up).
 */
export const notificationStatuses = ['accepting', 'accepted', 'deleting', 'completed', 'completedWithFailures', 'failed', 'deleted'] as const;
export type NotificationStatus = (typeof notificationStatuses)[number];

export const finalNotificationStatuses: ReadonlySet<NotificationStatus> = new Set(['completed', 'completedWithFailures', 'failed', 'deleted']);

/** A delivery as the API shows it: a posted copy whose delete went through reads `deleted`, no longer `sent`. */
export type DeliveryViewStatus = DeliveryStatus | 'deleted';

/** The delivery fields the status is derived from (a projection of the row). */
export type DeliveryProgressRow = { status: DeliveryStatus; lastOperation?: CopyOperationState | undefined };

/** Counts over every delivery, plus what a DELETE still waits for. */
export interface DeliveryTally {
  counts: DeliveryCounts;
  /** Posted (or being posted) copies whose delete has not finished: not asked for yet, queued, or retrying. */
  deletesPending: number;
}

export function emptyTally(): DeliveryTally {
  return { counts: { queued: 0, sent: 0, failed: 0, skipped: 0, cancelled: 0, deleted: 0 }, deletesPending: 0 };
}

export function deliveryViewStatus(row: DeliveryProgressRow): DeliveryViewStatus {
  const last = row.lastOperation;
  return row.status === 'sent' && last?.operation === 'delete' && last.status === 'sent' ? 'deleted' : row.status;
}

/** Adds one row to the tally (in place: the store folds thousands of rows per read). */
export function tallyDelivery(tally: DeliveryTally, row: DeliveryProgressRow): void {
  const view = deliveryViewStatus(row);
  if (view === 'sending') tally.counts.queued++;
  else tally.counts[view]++;
  const deleteFinished = row.lastOperation?.operation === 'delete' && row.lastOperation.status !== 'queued';
  if ((row.status === 'sending' || row.status === 'sent') && !deleteFinished) tally.deletesPending++;
}

export function notificationStatus(
  notification: Pick<NotificationRecord, 'state' | 'deleted'>,
  tally: DeliveryTally,
  fanOuts: readonly Pick<FanOutProgress, 'state'>[],
): NotificationStatus {
  if (notification.state === 'accepting') return 'accepting';
  const { counts } = tally;
  const pending = counts.queued > 0 || fanOuts.some((fanOut) => fanOut.state === 'expanding');
  if (notification.deleted) return pending || tally.deletesPending > 0 ? 'deleting' : 'deleted';
  if (pending) return 'accepted';
  // A skipped target (unresolved, removed) and a broadcast that broke off were not reached either.
  const misses = counts.failed + counts.skipped + fanOuts.filter((fanOut) => fanOut.state === 'failed').length;
  if (misses === 0) return 'completed';
  return counts.sent > 0 ? 'completedWithFailures' : 'failed';
}
