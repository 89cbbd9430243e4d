import { type AttemptContext } from './copyAttempt';
import { type SenderRuntime } from './senderDependencies';
import { completed, type SendResult } from './sendResult';

/**
 * Asks the pacer for a slot; waits for it inside the invocation only when it is near, otherwise reschedules the
 * copy to its booked slot and completes. Long waits must not hold a session: with 64 sessions and one busy
 * tenant, sleeping invocations would starve every other tenant (and the next fan-out page) behind it.
 */
export async function paceCopy(runtime: SenderRuntime, ctx: AttemptContext, paceKey: string): Promise<SendResult | undefined> {
  const now = runtime.now();
  const { pacedUntil, ...unpaced } = ctx.message;
  ctx.message = unpaced;
  const answer = await runtime.pacer.pace({
    tenantId: ctx.tenantId ?? '',
    conversationId: paceKey,
    now,
    maxWaitInMs: runtime.maxPacingWaitInMs,
    ...(pacedUntil === undefined ? {} : { heldSlotAt: Date.parse(pacedUntil) }),
  });
  if (answer.kind === 'sendAfter') {
    if (answer.delayInMs > 0) await runtime.sleep(answer.delayInMs);
    return undefined;
  }
  // A deferral is a new message with its own messageId, but not an attempt: it never counts toward maxAttempts.
  const notBefore = answer.until;
  const deferred = { ...ctx.message, deferral: (ctx.message.deferral ?? 0) + 1, pacedUntil: notBefore.toISOString() };
  await runtime.queue.enqueue([{ body: deferred, notBefore }]);
  return completed([...ctx.notes, `${ctx.message.operation} ${ctx.message.notificationId}/${ctx.key} paced: rescheduled to its slot at ${notBefore.toISOString()}`]);
}
