import { mapWithConcurrency } from '../../mapWithConcurrency';
import { type DeliveryCounts, type NotificationRecord, type NotificationStore } from '../store/notificationStore';
import { encodeListToken, type NotificationListQuery } from './notificationListQuery';
import { type NotificationStatus } from './notificationProgress';
import { notificationStatusUrl, readNotificationProgress } from './notificationStatus';

/** One notification in `GET /api/notifications`: its status and counts, without its deliveries. */
export interface NotificationListItem {
  id: string;
  createdAt: string;
  status: NotificationStatus;
  revision: number;
  tag?: string;
  sendAt?: string;
  expiresAt?: string;
  counts: DeliveryCounts;
  statusUrl: string;
}

export interface NotificationListBody {
  notifications: NotificationListItem[];
  /** Present when more may follow; a page filtered by status can hold fewer than pageSize, even none. */
  continuationToken?: string;
}

/** Status reads in flight at once for one page (each is a few Table queries). */
const statusReadConcurrency = 8;

/**
 * One page of the list, newest first. The index gives `pageSize` notifications in the time window (and tag);
 * each one's status is derived from its deliveries, and a status filter keeps the matching ones, so the work
 * per page is bounded by pageSize, never by how many notifications exist. It does grow with the deliveries of
 * the listed notifications (countDeliveries reads every row's status, 1,000 a query): counters kept on the
 * notification would make it constant, at the price of a second write per delivery transition.
 */
export async function listNotifications(
  query: NotificationListQuery,
  services: { notifications: NotificationStore; publicBaseUrl?: string | undefined },
): Promise<NotificationListBody> {
  const { notifications } = services;
  const page = await notifications.listNotificationEntries({
    pageSize: query.pageSize,
    ...(query.tag === undefined ? {} : { tag: query.tag }),
    ...(query.createdAfter === undefined ? {} : { createdAfter: query.createdAfter }),
    ...(query.createdBefore === undefined ? {} : { createdBefore: query.createdBefore }),
    ...(query.after === undefined ? {} : { after: query.after }),
  });
  const items = await mapWithConcurrency(page.entries, statusReadConcurrency, async (entry) => {
    // An index row is written after its record; a record that is not there (yet) is not listed.
    const record = await notifications.getNotification(entry.id);
    return record === undefined ? undefined : listItem(record, notifications, services.publicBaseUrl);
  });
  const wanted = query.statuses === undefined ? undefined : new Set(query.statuses);
  const body: NotificationListBody = { notifications: items.filter((item): item is NotificationListItem => item !== undefined && (wanted?.has(item.status) ?? true)) };
  if (page.next !== undefined) body.continuationToken = encodeListToken(page.next, query);
  return body;
}

async function listItem(record: NotificationRecord, store: NotificationStore, publicBaseUrl: string | undefined): Promise<NotificationListItem> {
  const { status, counts } = await readNotificationProgress(record, store);
  const item: NotificationListItem = { id: record.id, createdAt: record.createdAt, status, revision: record.revision, counts, statusUrl: notificationStatusUrl(record.id, publicBaseUrl) };
  if (record.tag !== undefined) item.tag = record.tag;
  if (record.sendAt !== undefined) item.sendAt = record.sendAt;
  if (record.expiresAt !== undefined) item.expiresAt = record.expiresAt;
  return item;
}
