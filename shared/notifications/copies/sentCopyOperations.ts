import { callbackCheckMessage } from '../../callbacks/callbackMessages';
import { errorCodes, GatewayError } from '../../errors';
import { type DeliveryQueue } from '../../queue/deliveryQueue';
import { parseNotificationUpdate } from '../request/notificationUpdate';
import { checkBodyLength } from '../request/requestBodyLimit';
import { type ValidationResult } from '../request/validationIssue';
import { notificationStatusUrl } from '../status/notificationStatus';
import { markCancelled } from '../store/deliveryTransitions';
import { type DeliveryRecord, type DeliveryStatus, type NotificationRecord, type NotificationStore } from '../store/notificationStore';
import { deleteMessageFor, updateMessageFor } from './copyOperationMessages';

/**
 * PATCH and DELETE of a notification: one `update` or `delete` message per copy that exists or may still be
 * posted, in the conversation's session, so it stays in order behind the send. The work is proportional to
 * the number of deliveries and done while the caller waits (10,000 copies are 10 pages and a few queue
 * batches); a repeat is harmless (same message ids; a second DELETE cancels nothing new).
 */
export interface CopyOperationServices {
  notifications: NotificationStore;
  queue: DeliveryQueue;
  now: () => Date;
  /** Base of `statusUrl`; relative when absent. */
  publicBaseUrl?: string;
}

export interface UpdateAccepted {
  id: string;
  status: 'updating';
  revision: number;
  /** Update messages queued: one per delivery queued, in flight or sent. */
  updates: number;
  statusUrl: string;
}

export interface DeleteAccepted {
  id: string;
  status: 'deleted';
  /** Delete messages queued: one per copy posted or being posted. */
  deletes: number;
  /** Deliveries not yet sent, now cancelled (the send path skips them). */
  cancelled: number;
  statusUrl: string;
}

/** Deliveries whose copy exists or may still be posted; failed, skipped and cancelled ones have none. */
const livingStatuses: ReadonlySet<DeliveryStatus> = new Set(['queued', 'sending', 'sent']);

/** `PATCH /api/notifications/{id}` `{"message": {...}}`: revision + 1, then an update per living copy. */
export async function updateNotification(id: string, bodyText: string, services: CopyOperationServices): Promise<ValidationResult<UpdateAccepted>> {
  const tooLong = checkBodyLength(bodyText);
  if (tooLong !== undefined) return { ok: false, error: tooLong };
  const parsed = parseNotificationUpdate(bodyText);
  if (!parsed.ok) return parsed;
  const revised = await reviseNotification(id, services, (current) => {
    if (current.deleted) return conflict(id, 'is deleted; its copies cannot be updated');
    return { ...current, message: parsed.value.message, revision: current.revision + 1, updatedAt: services.now().toISOString() };
  });
  if (!revised.ok) return revised;
  const notification = revised.value;
  let updates = 0;
  for await (const page of services.notifications.allDeliveries(id)) {
    const queued = living(page).map((row) => updateMessageFor(row, notification));
    await services.queue.enqueue(queued);
    updates += queued.length;
  }
  return { ok: true, value: { id, status: 'updating', revision: notification.revision, updates, statusUrl: notificationStatusUrl(id, services.publicBaseUrl) } };
}

/** `DELETE /api/notifications/{id}`: marks it deleted, cancels what is not sent yet, deletes what is. */
export async function deleteNotification(id: string, services: CopyOperationServices): Promise<ValidationResult<DeleteAccepted>> {
  const marked = await reviseNotification(id, services, (current) => {
    if (current.deleted) return current;
    const at = services.now().toISOString();
    return { ...current, deleted: true, deletedAt: at, updatedAt: at };
  });
  if (!marked.ok) return marked;
  let deletes = 0;
  let cancelled = 0;
  for await (const page of services.notifications.allDeliveries(id)) {
    const result = await deleteCopies(page, marked.value, services);
    deletes += result.deletes;
    cancelled += result.cancelled;
  }
  // With nothing posted the notification is `deleted` at once, and no delete message will raise the check.
  if (marked.value.callback !== undefined) await services.queue.enqueue([callbackCheckMessage(id, services.now())]);
  return { ok: true, value: { id, status: 'deleted', deletes, cancelled, statusUrl: notificationStatusUrl(id, services.publicBaseUrl) } };
}

/**
 * After a fan-out step: if a PATCH or DELETE ran while the step was writing its rows, it may not have seen
 * them, so the step applies it to its own rows (duplicates of what the PATCH or DELETE did queue are dropped).
 */
export async function followNotificationChanges(before: NotificationRecord, rows: readonly DeliveryRecord[], services: Omit<CopyOperationServices, 'publicBaseUrl'>): Promise<void> {
  if (rows.length === 0) return;
  const now = await services.notifications.getNotification(before.id);
  if (now === undefined) return;
  if (now.deleted && !before.deleted) {
    await deleteCopies(rows, now, services);
  } else if (now.revision > before.revision && !now.deleted) {
    await services.queue.enqueue(living(rows).map((row) => updateMessageFor(row, now)));
  }
}

/** Queued deliveries are cancelled (in conditional batches); those being posted or posted get a delete message. */
async function deleteCopies(
  rows: readonly DeliveryRecord[],
  notification: Pick<NotificationRecord, 'id' | 'revision' | 'callback'>,
  services: Pick<CopyOperationServices, 'notifications' | 'queue' | 'now'>,
): Promise<{ deletes: number; cancelled: number }> {
  const candidates = living(rows);
  const queued = candidates.filter((row) => row.status === 'queued');
  const results = await services.notifications.transitionDeliveries(queued, markCancelled(services.now()));
  // A send that got there first (now sending or sent) decides by the state that stands.
  const standing = [
    ...candidates.filter((row) => row.status !== 'queued'),
    ...results.flatMap((result) => (result.outcome === 'unchanged' ? [result.delivery] : [])),
  ];
  const toDelete = standing.filter((row) => row.status === 'sending' || row.status === 'sent').map((row) => deleteMessageFor(row, notification));
  await services.queue.enqueue(toDelete);
  return { deletes: toDelete.length, cancelled: results.filter((result) => result.outcome === 'applied').length };
}

function living(rows: readonly DeliveryRecord[]): DeliveryRecord[] {
  return rows.filter((row) => row.unresolved === undefined && livingStatuses.has(row.status));
}

/**
 * Read → decide → write with the read ETag until it holds. `decide` returns the record to write (the same
 * object to write nothing) or a 409. Unknown ids are 404; an intake that never finished is 409.
 */
async function reviseNotification(
  id: string,
  services: Pick<CopyOperationServices, 'notifications'>,
  decide: (current: NotificationRecord) => NotificationRecord | GatewayError,
): Promise<ValidationResult<NotificationRecord>> {
  for (let attempt = 1; attempt <= 25; attempt++) {
    const current = await services.notifications.getNotification(id);
    if (current === undefined) {
      return { ok: false, error: new GatewayError(errorCodes.NotFound, `No notification ${id}`, [{ path: 'id', message: `unknown notification "${id}"` }]) };
    }
    if (current.state !== 'accepted') return { ok: false, error: conflict(id, 'was never accepted (its intake did not finish); repeat the POST with the same body first') };
    const next = decide(current);
    if (next instanceof GatewayError) return { ok: false, error: next };
    if (next === current) return { ok: true, value: current };
    const written = await services.notifications.replaceNotification(next);
    if (written !== undefined) return { ok: true, value: written };
  }
  throw new GatewayError(errorCodes.ConcurrencyConflict, `Notification ${id} kept changing; try again`);
}

function conflict(id: string, what: string): GatewayError {
  return new GatewayError(errorCodes.Conflict, `Notification ${id} ${what}`, [{ path: 'id', message: what }]);
}
