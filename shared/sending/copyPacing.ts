import { type AttemptContext } from './copyAttempt';
import { type SenderRuntime } from './senderDependencies';
import { completed, type SendResult } from './sendResult';

/** How late a deferred copy may arrive for its booked slot and still use it. */
const lateSlotToleranceInMs = 50;

/**
 * Books a pacing slot; waits for it inside the invocation only when it is near, otherwise reschedules the
 * copy to its booked slot and completes. Long waits must not hold a session: with 64 sessions and one busy
 * tenant, sleeping invocations would starve every other tenant (and the next fan-out page) behind it.
 */
export async function paceCopy(runtime: SenderRuntime, ctx: AttemptContext, paceKey: string): Promise<SendResult | undefined> {
  const now = runtime.now();
  const { pacedUntil, ...unpaced } = ctx.message;
  if (pacedUntil !== undefined) {
    // Deferred to a slot booked earlier: it is this copy's slot; booking again would take a second one. A
    // copy the queue hands over late has lost its slot (sending now would bunch with later slots), so it
    // books anew.
    ctx.message = unpaced;
    const waitInMs = Date.parse(pacedUntil) - now.getTime();
    if (waitInMs >= -lateSlotToleranceInMs && waitInMs <= runtime.maxPacingWaitInMs) {
      if (waitInMs > 0) await runtime.sleep(waitInMs);
      return undefined;
    }
  }
  const reservation = runtime.pacer.reserve(ctx.tenantId ?? '', paceKey, now);
  if (reservation.delayInMs <= runtime.maxPacingWaitInMs) {
    if (reservation.delayInMs > 0) await runtime.sleep(reservation.delayInMs);
    return undefined;
  }
  // A deferral is a new message with its own messageId, but not an attempt: it never counts toward maxAttempts.
  const notBefore = new Date(now.getTime() + reservation.delayInMs);
  const deferred = { ...ctx.message, deferral: (ctx.message.deferral ?? 0) + 1, pacedUntil: notBefore.toISOString() };
  await runtime.queue.enqueue([{ body: deferred, notBefore }]);
  return completed([...ctx.notes, `${ctx.message.operation} ${ctx.message.notificationId}/${ctx.key} paced: rescheduled to its slot at ${notBefore.toISOString()}`]);
}
