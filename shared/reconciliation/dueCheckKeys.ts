import { createHash } from 'node:crypto';

/**
 * Keys of the `dueChecks` index (tableNames.dueChecks): one row per notification that may still have work
 * in flight, partitioned by the minute it was last known to move, so the reconciler finds what has been
 * quiet too long with one range query (`PartitionKey lt <bucket>`) instead of reading every delivery:
 *
 *   PK `<yyyy-mm-ddThh:mm>Z~<shard>`   the minute of `since`, spread over a few shards so one busy minute is
 *                                       not one hot partition
 *   RK `<notificationId>`              (ids are Table-safe by their pattern)
 *
 * ISO minutes sort as text, so "every row quiet since before T" is a key range. Pure.
 */
export const dueCheckShards = 4;

export interface DueCheck {
  notificationId: string;
  /** When the notification last moved: its deliveries are judged stale against this and later times. */
  since: string;
  /** Where the row is (to move or drop it). */
  partitionKey: string;
}

export function minuteBucket(at: Date): string {
  return `${at.toISOString().slice(0, 16)}Z`;
}

export function dueCheckPartitionKey(notificationId: string, since: Date): string {
  const shard = createHash('sha256').update(notificationId).digest()[0]! % dueCheckShards;
  return `${minuteBucket(since)}~${shard}`;
}

/**
 * The first partition key after every row of `cutoff`'s minute: rows of that minute are read too and
 * filtered by their exact `since`, so a check is never held back to the next minute.
 */
export function partitionKeyAfterMinuteOf(cutoff: Date): string {
  return `${minuteBucket(cutoff)}~\u{10ffff}`;
}
