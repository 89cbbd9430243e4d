import { type CallbackEventStore } from '../../callbacks/callbackEventStore';
import { type CallbackView, callbackView } from '../../callbacks/callbackView';
import { errorCodes, GatewayError } from '../../errors';
import { isNotificationId } from '../request/notificationId';
import { type TenantTargetScope } from '../request/notificationTarget';
import { type ValidationResult } from '../request/validationIssue';
import {
  type DeliveryCounts,
  type DeliveryError,
  type DeliveryRecord,
  type FanOutProgress,
  type FanOutState,
  isChannelToReach,
  type NotificationRecord,
  type NotificationStore,
  type UnresolvedReason,
} from '../store/notificationStore';
import { type DeliveryViewStatus, deliveryViewStatus, type NotificationStatus, notificationStatus } from './notificationProgress';

/** `GET /api/notifications/{id}`: what became of a notification, one page of its deliveries at a time. */
export interface NotificationStatusBody {
  id: string;
  createdAt: string;
  /** Derived from the deliveries (notificationProgress.ts); final: completed, completedWithFailures, failed, deleted. */
  status: NotificationStatus;
  /** PATCHes applied. */
  revision: number;
  sendAt?: string;
  expiresAt?: string;
  tag?: string;
  /** Over every delivery, not just this page. */
  counts: DeliveryCounts;
  /** Tenant broadcasts and how far their fan-out has come. */
  fanOut?: FanOutView[];
  /** The status callback and each event's attempts, when the request asked for one. */
  callback?: CallbackView;
  deliveries: DeliveryView[];
  continuationToken?: string;
}

export interface FanOutView {
  target: { tenantId: string; scope: TenantTargetScope };
  status: FanOutState;
  pages: number;
  deliveries: number;
  /** Why a `failed` fan-out ended; the conversations of later pages were never queued. */
  error?: DeliveryError;
}

/**
 * One delivery as the API shows it: the record's own fields (`conversationId` is absent only for a personal
 * chat still to be created, then `user` says whose), without the storage bookkeeping.
 */
export type DeliveryView = Pick<
  DeliveryRecord,
  'conversationId' | 'activityId' | 'attempts' | 'lastError' | 'failureClass' | 'lastOperation' | 'target' | 'reconciledAt' | 'reconciliations' | 'installation' | 'updatedAt'
> & {
  status: DeliveryViewStatus;
  user?: { tenantId: string; userId: string };
  /** For a target that was reported instead of queued. */
  reason?: UnresolvedReason;
  removalReason?: string;
};

export interface StatusQuery {
  pageSize: number;
  continuationToken?: string;
}

export const defaultStatusPageSize = 100;
export const maxStatusPageSize = 1000;

/** Where the status of a notification is read: absolute when the public base URL is configured. */
export function notificationStatusUrl(id: string, publicBaseUrl: string | undefined): string {
  const base = publicBaseUrl === undefined ? '' : publicBaseUrl.replace(/\/+$/, '');
  return `${base}/api/notifications/${encodeURIComponent(id)}`;
}

/** The `{id}` of a notification route; anything that cannot be an id is a 400 (it never reaches storage). */
export function parseNotificationIdParam(value: string | undefined): ValidationResult<string> {
  if (value !== undefined && isNotificationId(value)) return { ok: true, value };
  return {
    ok: false,
    error: new GatewayError(errorCodes.BadRequest, 'The notification id in the path is not valid', [
      { path: 'id', message: 'A notification id is 1–128 characters of A–Z, a–z, 0–9, ".", "_", "-", starting with a letter or digit' },
    ]),
  };
}

/** `?pageSize=1..1000&continuationToken=…`; other parameters (the function key's `code`) are ignored. */
export function parseStatusQuery(query: URLSearchParams): ValidationResult<StatusQuery> {
  const rawSize = query.get('pageSize');
  const token = query.get('continuationToken');
  let pageSize = defaultStatusPageSize;
  if (rawSize !== null) {
    pageSize = /^\d{1,4}$/.test(rawSize) ? Number(rawSize) : Number.NaN;
    if (!(pageSize >= 1 && pageSize <= maxStatusPageSize)) {
      return {
        ok: false,
        error: new GatewayError(errorCodes.BadRequest, 'The query is not valid', [{ path: 'pageSize', message: `must be a whole number from 1 to ${maxStatusPageSize}` }]),
      };
    }
  }
  if (token === '') {
    return { ok: false, error: new GatewayError(errorCodes.BadRequest, 'The query is not valid', [{ path: 'continuationToken', message: 'is empty; leave it out for the first page' }]) };
  }
  return { ok: true, value: token === null ? { pageSize } : { pageSize, continuationToken: token } };
}

/** The status body, or 404 for an unknown id (a bad continuation token is a 400 from the store). */
export async function readNotificationStatus(
  id: string,
  query: StatusQuery,
  store: NotificationStore,
  callbackEvents?: Pick<CallbackEventStore, 'listEvents'>,
): Promise<ValidationResult<NotificationStatusBody>> {
  const notification = await store.getNotification(id);
  if (notification === undefined) {
    return { ok: false, error: new GatewayError(errorCodes.NotFound, `No notification ${id}`, [{ path: 'id', message: `unknown notification "${id}"` }]) };
  }
  const { callback } = notification;
  const [summary, page, events] = await Promise.all([
    readNotificationProgress(notification, store),
    store.listDeliveries(id, { pageSize: query.pageSize, ...(query.continuationToken === undefined ? {} : { continuationToken: query.continuationToken }) }),
    callback === undefined || callbackEvents === undefined ? [] : callbackEvents.listEvents(id),
  ]);
  const { fanOuts } = summary;
  const body: NotificationStatusBody = {
    id,
    createdAt: notification.createdAt,
    status: summary.status,
    revision: notification.revision,
    counts: summary.counts,
    deliveries: page.deliveries.map(deliveryView),
  };
  if (notification.sendAt !== undefined) body.sendAt = notification.sendAt;
  if (notification.expiresAt !== undefined) body.expiresAt = notification.expiresAt;
  if (notification.tag !== undefined) body.tag = notification.tag;
  if (fanOuts.length > 0) {
    body.fanOut = fanOuts.map((progress) => {
      const view: FanOutView = { target: { tenantId: progress.tenantId, scope: progress.scope }, status: progress.state, pages: progress.pagesDone, deliveries: progress.deliveries };
      if (progress.error !== undefined) view.error = progress.error;
      return view;
    });
  }
  if (callback !== undefined) body.callback = callbackView(callback, events);
  if (page.continuationToken !== undefined) body.continuationToken = page.continuationToken;
  return { ok: true, value: body };
}

/** The overall status and counts of a notification, with its fan-out progress (the status read and the list share it). */
export async function readNotificationProgress(
  notification: NotificationRecord,
  store: Pick<NotificationStore, 'countDeliveries' | 'listFanOutProgress'>,
): Promise<{ status: NotificationStatus; counts: DeliveryCounts; fanOuts: FanOutProgress[] }> {
  const [tally, fanOuts] = await Promise.all([store.countDeliveries(notification.id), store.listFanOutProgress(notification.id)]);
  return { status: notificationStatus(notification, tally, fanOuts), counts: tally.counts, fanOuts };
}

export function deliveryView(record: DeliveryRecord): DeliveryView {
  const view: DeliveryView = { status: deliveryViewStatus(record), attempts: record.attempts, updatedAt: record.updatedAt };
  if (record.conversationId !== undefined) view.conversationId = record.conversationId;
  if (record.createFor !== undefined && !isChannelToReach(record.createFor)) view.user = { tenantId: record.createFor.tenantId, userId: record.createFor.userAadObjectId };
  if (record.activityId !== undefined) view.activityId = record.activityId;
  if (record.lastError !== undefined) view.lastError = record.lastError;
  if (record.failureClass !== undefined) view.failureClass = record.failureClass;
  if (record.lastOperation !== undefined) view.lastOperation = record.lastOperation;
  if (record.target !== undefined) view.target = record.target;
  if (record.reconciledAt !== undefined) view.reconciledAt = record.reconciledAt;
  if (record.reconciliations !== undefined) view.reconciliations = record.reconciliations;
  if (record.installation !== undefined) view.installation = record.installation;
  if (record.unresolved !== undefined) {
    view.reason = record.unresolved.reason;
    if (record.unresolved.removalReason !== undefined) view.removalReason = record.unresolved.removalReason;
  }
  return view;
}
