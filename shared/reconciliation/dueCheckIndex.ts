import { type DueCheck } from './dueCheckKeys';

/**
 * The due-check index as the reconciler and the notification store see it (port). Adapter: tableDueChecks.ts.
 * A notification is watched from its creation; the reconciler moves its row forward while work is in flight
 * and drops it when everything has reached a final state.
 */
export interface DueCheckIndex {
  /** Starts (or moves forward) the watch of a notification from `since`. Idempotent. */
  watch(notificationId: string, since: Date): Promise<void>;
  /** Up to `limit` rows quiet since before `cutoff`, oldest first. */
  due(cutoff: Date, limit: number): Promise<DueCheck[]>;
  /** Moves a row to `since` (the new row is written before the old one goes, so a crash leaves two, never none). */
  reschedule(check: DueCheck, since: Date): Promise<void>;
  /** Nothing left to watch. */
  drop(check: DueCheck): Promise<void>;
}
