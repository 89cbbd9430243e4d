import { callbackCheckMessage } from '../../callbacks/callbackMessages';
import { errorCodes, GatewayError } from '../../errors';
import { type DeliveryQueue } from '../../queue/deliveryQueue';
import { sendMessageFor } from '../copies/copyOperationMessages';
import { type SendSpread, spreadSends } from '../copies/tenantSendSpread';
import { parseJsonBody } from '../request/jsonBody';
import { isNotificationId, newNotificationId } from '../request/notificationId';
import { type NotificationRequest, parseNotificationRequest, type RequestPolicy } from '../request/notificationRequest';
import { targetAsGiven, type TenantTargetScope } from '../request/notificationTarget';
import { checkBodyLength } from '../request/requestBodyLimit';
import { requestDigest } from '../request/requestDigest';
import { type ValidationResult } from '../request/validationIssue';
import { notificationStatusUrl } from '../status/notificationStatus';
import { type NotificationRecord, type NotificationStore } from '../store/notificationStore';
import { type DeliveryWarning, planDirectDeliveries, rowsToSend, type UnresolvedTarget } from './deliveryPlan';
import { type ConversationLookups, resolveTargets } from './targetResolution';
import { fanOutMessage } from './tenantFanOut';

export interface IntakeServices {
  conversations: ConversationLookups;
  notifications: NotificationStore;
  queue: DeliveryQueue;
  now: () => Date;
  /** Base of `statusUrl`; relative when absent. */
  publicBaseUrl?: string;
  /** Id for a request without one; default newNotificationId. */
  newId?: (now: Date) => string;
  /** The callback allowlist; absent when status callbacks are off (a request with `callback` is then a 400). */
  policy?: RequestPolicy;
  /** Spread each tenant's sends over the time Teams takes them (tenantSendSpread.ts); absent: all at once. */
  spread?: SendSpread;
}

/** The 202 body of `POST /api/notifications`, stored and replayed to an idempotent repeat. */
export interface AcceptedNotification {
  id: string;
  status: 'accepted';
  /** Deliveries queued for the direct targets (one per distinct conversation). */
  deliveries: number;
  unresolved: UnresolvedTarget[];
  /** Tenant broadcasts, expanded after the 202; their deliveries show in the status as they are queued. */
  fanOut?: { target: { tenantId: string; scope: TenantTargetScope }; status: 'expanding' }[];
  /** Queued, but not exactly as asked (suggested actions left out where Teams does not show them). */
  warnings?: DeliveryWarning[];
  sendAt?: string;
  expiresAt?: string;
  statusUrl: string;
}

/**
 * Most characters the targets of one request may take as JSON. The 202 lists every unresolved target and is
 * stored (one Table entity, ≤ 1 MiB of UTF-16) to be replayed; 1,000 targets with ordinary ids are ~150,000.
 */
export const maxTargetsJsonLength = 200_000;

/**
 * `POST /api/notifications`. Every step is repeatable, so a repeat of a request that crashed anywhere (same
 * id, same body) finishes the job without duplicates: the record is created `accepting` (a concurrent create
 * loses with 409 and re-reads); delivery rows are insert-if-absent; queue message ids are deterministic; the
 * 202 is stored before the record turns `accepted`. 4xx come back as values; storage and queue failures are
 * thrown (503: the caller repeats with the same id).
 */
export async function acceptNotification(bodyText: string, services: IntakeServices): Promise<ValidationResult<AcceptedNotification>> {
  const tooLong = checkBodyLength(bodyText);
  if (tooLong !== undefined) return { ok: false, error: tooLong };
  const now = services.now();
  let parsed = parseNotificationRequest(bodyText, now, services.policy);
  let existing: NotificationRecord | undefined;
  if (!parsed.ok) {
    // A repeat after sendAt or expiresAt has passed is still the request that was accepted: check its times
    // against the moment it was first made.
    const id = callerIdOf(bodyText);
    existing = id === undefined ? undefined : await services.notifications.getNotification(id);
    const asFirstMade = existing === undefined ? undefined : parseNotificationRequest(bodyText, new Date(existing.createdAt), services.policy);
    if (asFirstMade?.ok !== true) return parsed;
    parsed = asFirstMade;
  }
  const request = parsed.value;
  const targetsLength = JSON.stringify(request.targets.map(targetAsGiven)).length;
  if (targetsLength > maxTargetsJsonLength) {
    const message = `The targets take ${targetsLength.toLocaleString('en-US')} characters as JSON; at most ${maxTargetsJsonLength.toLocaleString('en-US')} fit one request. Split the request or use a tenant target`;
    return { ok: false, error: new GatewayError(errorCodes.PayloadTooLarge, message, [{ path: 'targets', message }]) };
  }

  const digest = requestDigest(request);
  const id = request.id ?? (services.newId ?? newNotificationId)(now);
  let record = existing ?? (request.id === undefined ? undefined : await services.notifications.getNotification(id));
  record ??= (await services.notifications.createNotification(newRecord(id, digest, request, now))).record;
  if (record.digest !== digest) {
    return {
      ok: false,
      error: new GatewayError(errorCodes.Conflict, `Notification ${id} exists with a different request; use a new id for a different notification`, [
        { path: 'id', message: `"${id}" was accepted at ${record.createdAt} for another body` },
      ]),
    };
  }
  if (record.state === 'accepted') {
    const stored = await services.notifications.getIntakeResponse(id);
    if (stored !== undefined) return { ok: true, value: JSON.parse(stored) as AcceptedNotification };
  }
  return { ok: true, value: await finishIntake(record, request, services) };
}

/** Resolve, write rows, enqueue, store the 202, mark accepted: the part a repeat redoes after a crash. */
async function finishIntake(record: NotificationRecord, request: NotificationRequest, services: IntakeServices): Promise<AcceptedNotification> {
  const { notifications, queue } = services;
  const now = services.now();
  await notifications.addToList({ id: record.id, createdAt: record.createdAt, ...(record.tag === undefined ? {} : { tag: record.tag }) });
  const resolutions = await resolveTargets(request.targets, services.conversations);
  const plan = planDirectDeliveries(record.id, request.targets, resolutions, record.message, now);
  const stored = await notifications.addDeliveries([...plan.deliveries, ...plan.unresolvedRows]);
  const sends = rowsToSend(stored, 'direct').map((row) => sendMessageFor(row, record));
  // Spread from now, not from the request: resolving and writing a large batch's rows takes a second or two,
  // and copies spread from before it would arrive in a heap, ahead of their turn.
  await queue.enqueue(spreadSends(sends, services.spread, services.now()));
  // Progress rows first, so a step never runs without one; then the first page of each broadcast.
  for (const fanOut of plan.fanOuts) {
    await notifications.startFanOut({
      notificationId: record.id,
      targetIndex: fanOut.targetIndex,
      tenantId: fanOut.tenantId,
      scope: fanOut.scope,
      pagesDone: 0,
      deliveries: 0,
      state: 'expanding',
      updatedAt: now.toISOString(),
    });
  }
  await queue.enqueue(plan.fanOuts.map((fanOut) => fanOutMessage(record.id, { targetIndex: fanOut.targetIndex, tenantId: fanOut.tenantId, scope: fanOut.scope, page: 0 })));
  // A notification whose every target was skipped is final at once, with no delivery to raise its check.
  if (record.callback !== undefined) await queue.enqueue([callbackCheckMessage(record.id, now)]);

  const response: AcceptedNotification = { id: record.id, status: 'accepted', deliveries: plan.deliveries.length, unresolved: plan.unresolved, statusUrl: '' };
  if (plan.fanOuts.length > 0) response.fanOut = plan.fanOuts.map((fanOut) => ({ target: { tenantId: fanOut.tenantId, scope: fanOut.scope }, status: 'expanding' }));
  if (plan.warnings.length > 0) response.warnings = plan.warnings;
  if (record.sendAt !== undefined) response.sendAt = record.sendAt;
  if (record.expiresAt !== undefined) response.expiresAt = record.expiresAt;
  response.statusUrl = notificationStatusUrl(record.id, services.publicBaseUrl);
  // A concurrent finisher may have stored its 202 first; that one stands, so every caller sees the same.
  const standing = await notifications.saveIntakeResponse(record, JSON.stringify(response));
  if (!standing.accepted) await markAccepted(record, services);
  return JSON.parse(standing.responseJson) as AcceptedNotification;
}

async function markAccepted(record: NotificationRecord, services: IntakeServices): Promise<void> {
  let current: NotificationRecord | undefined = record;
  for (let attempt = 1; attempt <= 25 && current !== undefined; attempt++) {
    if (current.state === 'accepted') return;
    const written = await services.notifications.replaceNotification({ ...current, state: 'accepted', updatedAt: services.now().toISOString() });
    if (written !== undefined) return;
    current = await services.notifications.getNotification(record.id);
  }
  throw new GatewayError(errorCodes.ConcurrencyConflict, `Notification ${record.id} could not be marked accepted; repeat the request`);
}

function newRecord(id: string, digest: string, request: NotificationRequest, now: Date): NotificationRecord {
  const record: NotificationRecord = {
    id,
    createdAt: now.toISOString(),
    state: 'accepting',
    digest,
    message: request.message,
    revision: 0,
    deleted: false,
    updatedAt: now.toISOString(),
  };
  if (request.sendAt !== undefined) record.sendAt = request.sendAt;
  if (request.expiresAt !== undefined) record.expiresAt = request.expiresAt;
  if (request.tag !== undefined) record.tag = request.tag;
  if (request.callback !== undefined) record.callback = request.callback;
  return record;
}

/** The caller's `id` of a body that failed validation, if it has a usable one. */
function callerIdOf(bodyText: string): string | undefined {
  const json = parseJsonBody(bodyText, 'notification request');
  if (!json.ok || typeof json.value !== 'object' || json.value === null) return undefined;
  const id = (json.value as { id?: unknown }).id;
  return typeof id === 'string' && isNotificationId(id) ? id : undefined;
}
