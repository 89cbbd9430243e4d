import { type GraphInstallPacer } from '../graph/graphInstallPacer';
import { decideInstall } from '../graph/installDecision';
import { type DeliveryError, type DeliveryRecord, type PersonalChatToCreate } from '../notifications/store/notificationStore';
import { decideAttempt, failedAttempt } from './attemptOutcome';
import { type AttemptContext, attemptLine } from './copyAttempt';
import { type SenderRuntime } from './senderDependencies';
import { completed, type SendResult } from './sendResult';

export type InstallStep = { kind: 'proceed' } | { kind: 'settled'; result: SendResult };

/**
 * How long a copy waits after a fresh install for Teams' installationUpdate / conversationUpdate to reach
 * /api/messages and store the personal chat. If it has not come by then, the chat is created with
 * POST /v3/conversations, which works once the app is installed.
 */
export const installEventWaitInMs = 3_000;

/**
 * Proactive installation (opt-in): a user the bot has no personal chat with gets the app installed through
 * Microsoft Graph first. Once per copy: a copy that already installed goes on to create the chat. Graph's
 * 409 (already installed) goes on at once; a refusal is final with a code an admin can act on; throttling and
 * outages follow the delivery policy's retry rules (Retry-After, backoff, maxAttempts, expiresAt).
 */
export async function installForUser(runtime: SenderRuntime, ctx: AttemptContext, record: DeliveryRecord, createFor: PersonalChatToCreate): Promise<InstallStep> {
  const { installer } = runtime;
  if (installer === undefined || record.installation !== undefined) return { kind: 'proceed' };
  const { message } = ctx;
  const deferred = await paceInstall(runtime, ctx, installer.pacer, createFor.tenantId);
  if (deferred !== undefined) return { kind: 'settled', result: deferred };
  const attempt = await installer.client.installForUser(createFor.tenantId, createFor.userAadObjectId);
  const decision = decideInstall(attempt.outcome);
  switch (decision.kind) {
    case 'alreadyInstalled':
      ctx.notes.push(`${message.notificationId}/${ctx.key}: the app already is installed for ${createFor.userAadObjectId} (Graph 409)`);
      return { kind: 'proceed' };
    case 'installed': {
      await runtime.deliveries.recordInstalling(message.notificationId, ctx.key);
      return { kind: 'settled', result: await deferCopy(runtime, ctx, installEventWaitInMs, `installed the app for ${createFor.userAadObjectId} through Graph; sending`) };
    }
    case 'refused': {
      const error: DeliveryError = { status: decision.status, code: decision.code, message: decision.message };
      await runtime.deliveries.markFinished(message.notificationId, ctx.key, { status: 'failed', error, failureClass: decision.failureClass });
      // Recorded here (nothing to dead-letter: the queue message did its job), so this is the one `failed` line.
      return {
        kind: 'settled',
        result: { settlement: { kind: 'complete' }, outcome: attemptLine(ctx, 'failed', { status: decision.status, code: decision.code, failureClass: decision.failureClass, detail: decision.message }), notes: ctx.notes },
      };
    }
    case 'transient': {
      const policy = decideAttempt(runtime, ctx, attempt, '');
      if (policy.kind === 'delivered') return { kind: 'proceed' };
      // A Graph 429 throttles Graph, not the tenant's Bot Connector sends: the cool-down is Graph's own.
      if (policy.kind === 'retry' && policy.throttleCoolDownInMs !== undefined) {
        installer.pacer.coolDown(createFor.tenantId, policy.throttleCoolDownInMs, runtime.now());
        delete policy.throttleCoolDownInMs;
      }
      return { kind: 'settled', result: await failedAttempt(runtime, ctx, policy) };
    }
  }
}

/**
 * Graph's per-tenant pace: a near slot is waited for here, a later one on the queue (a deferral, not an
 * attempt), the copy holding the slot it booked (installPacedUntil) until it comes back for it.
 */
async function paceInstall(runtime: SenderRuntime, ctx: AttemptContext, pacer: GraphInstallPacer, tenantId: string): Promise<SendResult | undefined> {
  const { installPacedUntil, ...unpaced } = ctx.message;
  ctx.message = unpaced;
  const now = runtime.now();
  const delayInMs = pacer.reserve(tenantId, now, installPacedUntil === undefined ? undefined : Date.parse(installPacedUntil));
  if (delayInMs <= runtime.maxPacingWaitInMs) {
    if (delayInMs > 0) await runtime.sleep(delayInMs);
    return undefined;
  }
  const slot = new Date(now.getTime() + delayInMs);
  return deferCopy(runtime, { ...ctx, message: { ...ctx.message, installPacedUntil: slot.toISOString() } }, delayInMs, 'Graph install paced');
}

/** Not an attempt (nothing was sent): the copy comes back after `delayInMs`, like a pacing deferral. */
async function deferCopy(runtime: SenderRuntime, ctx: AttemptContext, delayInMs: number, why: string): Promise<SendResult> {
  const notBefore = new Date(runtime.now().getTime() + delayInMs);
  await runtime.queue.enqueue([{ body: { ...ctx.message, deferral: (ctx.message.deferral ?? 0) + 1 }, notBefore }]);
  return completed([...ctx.notes, `${ctx.message.notificationId}/${ctx.key}: ${why} at ${notBefore.toISOString()}`]);
}
