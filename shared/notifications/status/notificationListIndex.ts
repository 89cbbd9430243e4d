import { z } from 'zod';

import { encodeKeyPart } from '../../store/tableKeyEncoding';
import { corruptRow, type TableRow } from '../../store/tableRow';
import { type NotificationRecord } from '../store/notificationStore';

/**
 * The list of notifications, newest first, without scanning: index rows in the `notifications` table, written
 * at intake, one in the partition of all notifications and one in the partition of the notification's tag.
 * RowKey = reversed creation time (13 digits, so they sort as text) + `.` + id: a partition reads newest
 * first, a time window is a RowKey range, and the same notification always has the same key, so a repeated
 * intake writes nothing twice. The partition keys start with `_`, which no notification id can
 * (notificationId.ts), so they never meet a notification's own partition.
 */
const reversedTimeDigits = 13;
/** 9999999999999 ms after the epoch (year 2286): every creation time fits 13 digits, reversed. */
const maxTimeMs = 10 ** reversedTimeDigits - 1;

export const allNotificationsPartition = '_list';

export function tagPartition(tag: string): string {
  return `_list.tag.${encodeKeyPart(tag)}`;
}

export function listRowKey(createdAt: string, id: string): string {
  return `${reversedTime(Date.parse(createdAt))}.${id}`;
}

/** What a list row holds: enough to find the notification. */
export type NotificationListEntry = Pick<NotificationRecord, 'id' | 'createdAt' | 'tag'>;

/** The rows that list one notification: under all, and under its tag. */
export function listEntryToEntities(entry: NotificationListEntry): TableRow[] {
  const columns = { id: entry.id, createdAt: entry.createdAt, ...(entry.tag === undefined ? {} : { tag: entry.tag }) };
  const rowKey = listRowKey(entry.createdAt, entry.id);
  const rows: TableRow[] = [{ partitionKey: allNotificationsPartition, rowKey, ...columns }];
  if (entry.tag !== undefined) rows.push({ partitionKey: tagPartition(entry.tag), rowKey, ...columns });
  return rows;
}

const listEntitySchema = z.object({ rowKey: z.string(), id: z.string().min(1), createdAt: z.string(), tag: z.string().optional() });

export function listEntryFromEntity(entity: unknown): NotificationListEntry & { rowKey: string } {
  const parsed = listEntitySchema.safeParse(entity);
  if (!parsed.success) throw corruptRow('notification list row', parsed.error);
  const { rowKey, id, createdAt, tag } = parsed.data;
  return tag === undefined ? { rowKey, id, createdAt } : { rowKey, id, createdAt, tag };
}

/** RowKey bounds of notifications created strictly after `createdAfter` and strictly before `createdBefore`. */
export function listRowKeyRange(window: { createdAfter?: string; createdBefore?: string }): { from?: string; to?: string } {
  const range: { from?: string; to?: string } = {};
  // Newer is smaller: "before T" starts at the first key past T's reversal; "after T" ends before T's own.
  if (window.createdBefore !== undefined) range.from = reversedTime(Date.parse(window.createdBefore) - 1);
  if (window.createdAfter !== undefined) range.to = reversedTime(Date.parse(window.createdAfter));
  return range;
}

function reversedTime(ms: number): string {
  const clamped = Math.min(maxTimeMs, Math.max(0, Math.floor(ms)));
  return String(maxTimeMs - clamped).padStart(reversedTimeDigits, '0');
}
