import { deliveryKey } from '../../queue/deliveryMessage';
import { type ConversationSummary } from '../../store/conversationStore';
import { messageFitsScope, type NotificationMessage } from '../request/notificationMessage';
import { type NotificationTarget, type NotificationTargetAsGiven, targetAsGiven, type TenantTargetScope } from '../request/notificationTarget';
import { type DeliveryOrigin, type DeliveryRecord, type UnresolvedReason } from '../store/notificationStore';
import { type ResolvedDelivery, type TargetResolution } from './targetResolution';

/** A target reported in the 202 and in the status instead of being queued. */
export interface UnresolvedTarget {
  target: NotificationTargetAsGiven;
  reason: UnresolvedReason;
  message: string;
  conversationId?: string;
  /** ConversationRemoved: why the conversation was removed (a Teams code or a lifecycle event). */
  removalReason?: string;
}

/** Queued, but not exactly as asked: e.g. suggested actions dropped for a channel. */
export interface DeliveryWarning {
  target: NotificationTargetAsGiven;
  conversationId?: string;
  reason: string;
  message: string;
}

export interface PlannedFanOut {
  targetIndex: number;
  target: NotificationTargetAsGiven;
  tenantId: string;
  scope: TenantTargetScope;
}

export interface DirectDeliveryPlan {
  /** One per distinct conversation (or chat to create), first target first. */
  deliveries: DeliveryRecord[];
  /** Rows of the unresolved targets (status skipped), so the status shows them too. */
  unresolvedRows: DeliveryRecord[];
  unresolved: UnresolvedTarget[];
  fanOuts: PlannedFanOut[];
  warnings: DeliveryWarning[];
}

/**
 * The rows an intake writes, from the request's targets and what each resolved to (same order). Pure.
 * A conversation named by two targets gets one delivery; tenant targets become fan-outs that skip any
 * conversation a row already exists for.
 */
export function planDirectDeliveries(
  notificationId: string,
  targets: readonly NotificationTarget[],
  resolutions: readonly TargetResolution[],
  message: NotificationMessage,
  now: Date,
): DirectDeliveryPlan {
  const plan: DirectDeliveryPlan = { deliveries: [], unresolvedRows: [], unresolved: [], fanOuts: [], warnings: [] };
  const seen = new Set<string>();
  targets.forEach((target, targetIndex) => {
    const resolution = resolutions[targetIndex];
    if (resolution === undefined) return;
    const given = targetAsGiven(target);
    switch (resolution.kind) {
      case 'fanOut':
        plan.fanOuts.push({ targetIndex, target: given, tenantId: resolution.tenantId, scope: resolution.scope });
        return;
      case 'unresolved': {
        const entry: UnresolvedTarget = { target: given, reason: resolution.reason, message: resolution.message };
        if (resolution.conversationId !== undefined) entry.conversationId = resolution.conversationId;
        if (resolution.removalReason !== undefined) entry.removalReason = resolution.removalReason;
        plan.unresolved.push(entry);
        plan.unresolvedRows.push(unresolvedRow(notificationId, targetIndex, entry, now));
        return;
      }
      case 'deliver': {
        const { delivery } = resolution;
        if (seen.has(delivery.key)) return;
        seen.add(delivery.key);
        plan.deliveries.push({ ...deliveryRow(notificationId, 'direct', delivery, now), target: given });
        const fit = messageFitsScope(message, delivery.conversationType);
        if (!fit.fits) {
          const warning: DeliveryWarning = { target: given, reason: fit.reason, message: fit.message };
          if (delivery.conversationId !== undefined) warning.conversationId = delivery.conversationId;
          plan.warnings.push(warning);
        }
        return;
      }
    }
  });
  return plan;
}

/** A fan-out page's rows: every active conversation of the page, once. */
export function planFanOutDeliveries(notificationId: string, targetIndex: number, conversations: readonly ConversationSummary[], now: Date): DeliveryRecord[] {
  const origin: DeliveryOrigin = `fanOut:${targetIndex}`;
  const seen = new Set<string>();
  const rows: DeliveryRecord[] = [];
  for (const conversation of conversations) {
    if (conversation.status !== 'active' || conversation.isThread || seen.has(conversation.conversationId)) continue;
    seen.add(conversation.conversationId);
    rows.push(
      deliveryRow(
        notificationId,
        origin,
        { key: deliveryKey({ conversationId: conversation.conversationId }), conversationId: conversation.conversationId, conversationType: conversation.scope, tenantId: conversation.tenantId },
        now,
      ),
    );
  }
  return rows;
}

export function deliveryRow(notificationId: string, origin: DeliveryOrigin, delivery: ResolvedDelivery, now: Date): DeliveryRecord {
  const row: DeliveryRecord = {
    notificationId,
    key: delivery.key,
    origin,
    conversationType: delivery.conversationType,
    tenantId: delivery.tenantId,
    status: 'queued',
    attempts: 0,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  if (delivery.conversationId !== undefined) row.conversationId = delivery.conversationId;
  if (delivery.createFor !== undefined) row.createFor = { ...delivery.createFor };
  return row;
}

function unresolvedRow(notificationId: string, targetIndex: number, entry: UnresolvedTarget, now: Date): DeliveryRecord {
  const row: DeliveryRecord = {
    notificationId,
    key: `target:${targetIndex}`,
    origin: 'direct',
    target: entry.target,
    unresolved: { targetIndex, reason: entry.reason },
    status: 'skipped',
    attempts: 0,
    lastError: { code: entry.reason, message: entry.message },
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  if (entry.conversationId !== undefined) row.conversationId = entry.conversationId;
  if (entry.removalReason !== undefined && row.unresolved !== undefined) row.unresolved.removalReason = entry.removalReason;
  return row;
}

/**
 * The rows a (repeated) step enqueues sends for: its own (a row another target wrote first is that target's to
 * queue) and never attempted. A row already tried has its send, or its rescheduled retry, in the queue.
 */
export function rowsToSend(stored: readonly DeliveryRecord[], origin: DeliveryOrigin): DeliveryRecord[] {
  return stored.filter((row) => row.origin === origin && row.status === 'queued' && row.attempts === 0 && row.unresolved === undefined);
}
