import { type ConnectorAttempt } from '../connector/connectorOutcome';
import { decideDelivery, type DeliveryDecision, type RetryDecision } from '../delivery/deliveryPolicy';
import { composeDescription, statusInDescription } from '../delivery/failureDescription';
import { ensureError } from '../errors';
import { type DeliveryError } from '../notifications/store/notificationStore';
import { type AttemptContext,attemptLine } from './copyAttempt';
import { seenAtNote } from './deadLetterFacts';
import { type SenderRuntime } from './senderDependencies';
import { deadLettered, type SendResult } from './sendResult';

export type DeliveredDecision = Extract<DeliveryDecision, { kind: 'delivered' }>;
export type FailedDecision = Exclude<DeliveryDecision, { kind: 'delivered' }>;

/** The pure policy's answer to one Connector attempt; the departure gate learns when Teams answered it. */
export function decideAttempt(runtime: SenderRuntime, ctx: AttemptContext, attempt: ConnectorAttempt, serviceUrlUsed: string): DeliveryDecision {
  ctx.departure?.landed(runtime.now().getTime());
  return decideDelivery({
    message: ctx.message,
    connectorAttempt: attempt,
    now: runtime.now(),
    settings: runtime.settings,
    random: runtime.random,
    gccServiceUrl: runtime.gccServiceUrl,
    serviceUrlUsed,
  });
}

/** Carries out the policy's answer: `onDelivered` records a success; a failure is retried or dead-lettered. */
export async function settleAttempt(
  runtime: SenderRuntime,
  ctx: AttemptContext,
  attempt: ConnectorAttempt,
  serviceUrlUsed: string,
  onDelivered: (decision: DeliveredDecision) => Promise<SendResult>,
): Promise<SendResult> {
  const decision = decideAttempt(runtime, ctx, attempt, serviceUrlUsed);
  if (decision.kind === 'delivered') return onDelivered(decision);
  return failedAttempt(runtime, ctx, decision);
}

export async function failedAttempt(runtime: SenderRuntime, ctx: AttemptContext, decision: FailedDecision): Promise<SendResult> {
  if (decision.kind === 'deadLetter') {
    // The deadLetter function records the final state and logs the one `failed` line.
    return deadLettered(decision.reason, composeDescription(decision.description, seenAtNote(runtime.now())), ctx.notes);
  }
  return retryAttempt(runtime, ctx, decision);
}

/**
 * Record first, then enqueue, then complete: a crash before the enqueue redelivers this attempt (nothing
 * was posted), and one after it leaves this attempt stale (`attempts` moved past it) or finds the copy sent.
 */
async function retryAttempt(runtime: SenderRuntime, ctx: AttemptContext, decision: RetryDecision): Promise<SendResult> {
  const { message } = ctx;
  const httpStatus = statusInDescription(decision.description);
  const error: DeliveryError = { code: decision.reason, message: decision.description };
  if (httpStatus !== undefined) error.status = httpStatus;
  if (message.operation === 'send') await runtime.deliveries.recordRetry(message.notificationId, ctx.key, message.attempt, error);
  else await runtime.deliveries.recordCopyOperation(message.notificationId, ctx.key, { operation: message.operation, revision: message.revision, status: 'queued', error });
  if (decision.rememberServiceUrl !== undefined && ctx.rememberOn !== undefined) {
    try {
      await runtime.conversations.setServiceUrlOverride(ctx.rememberOn, decision.rememberServiceUrl);
    } catch (thrown) {
      // Only a shortcut for later sends: the rescheduled copy carries the override itself.
      ctx.notes.push(`could not remember ${decision.rememberServiceUrl} for ${ctx.rememberOn}: ${ensureError(thrown).message}`);
    }
  }
  if (decision.throttleCoolDownInMs !== undefined) await runtime.pacer.coolDownTenant(ctx.tenantId ?? '', decision.throttleCoolDownInMs, runtime.now());
  await runtime.queue.enqueue([decision.next]);
  return {
    settlement: { kind: 'complete' },
    outcome: attemptLine(ctx, 'retrying', { status: httpStatus, code: decision.reason, retryAt: decision.retryAt.toISOString(), detail: decision.description }),
    notes: ctx.notes,
  };
}
