import { type CallbackEventRecord } from './callbackEvent';

/**
 * The callback events of notifications (port): rows in the notification's own partition of the
 * `notifications` table (adapter: tableCallbackEventStore.ts), so the status read finds them beside it.
 */
export interface CallbackEventStore {
  /** Creates the event unless it exists; returns the row that stands. */
  addEvent(record: CallbackEventRecord): Promise<CallbackEventRecord>;
  getEvent(notificationId: string, eventId: string): Promise<CallbackEventRecord | undefined>;
  /** Replaces the row if it still has `record.etag`; undefined when it changed meanwhile. */
  replaceEvent(record: CallbackEventRecord): Promise<CallbackEventRecord | undefined>;
  listEvents(notificationId: string): Promise<CallbackEventRecord[]>;
}
