import { notificationsQueueSettings } from '../queue/notificationsQueueSettings';

/**
 * When and how much the reconciler works. Every minute, so a lost message is caught soon after its deadline;
 * a run with nothing due is one range query that returns no rows.
 */
export const reconcileSchedule = '0 * * * * *';

/**
 * How long a delivery may sit non-final without any change before its queue message counts as lost. A
 * re-queue reuses the message's deterministic id, which Service Bus drops as a duplicate within its
 * duplicate-detection window (1 h) of the first enqueue; past the window plus a margin the re-queue is
 * accepted, and a message that is still queued after all (a backlog older than this) only costs an extra
 * message: the send path finds the copy `sent` (or its attempt superseded) and posts nothing twice. Nothing
 * legitimately waits this long: retries are at most DeliveryBackoffMaxMs apart, pacing deferrals seconds, and
 * a scheduled send counts from its sendAt.
 */
export const reconcileAfterInMs = notificationsQueueSettings.duplicateDetectionWindowInMs + 30 * 60_000;

/** Re-queues of one delivery before it is given up as failed (QueueMessageLost): each one was lost too. */
export const maxReconciliations = 3;

/**
 * Notifications looked at per run (12,000 an hour, above what one gateway accepts in practice; a longer
 * backlog only delays checks) and deliveries changed per run: bounded work, the rest waits for the next run.
 */
export const maxChecksPerRun = 200;
export const maxDeliveriesPerRun = 1_000;
