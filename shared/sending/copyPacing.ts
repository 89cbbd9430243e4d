import { type AttemptContext } from './copyAttempt';
import { type SenderRuntime } from './senderDependencies';
import { completed, type SendResult } from './sendResult';

/** A slot within the invocation's wait: send at `sendAt` (epoch ms), or `release` it when the copy has nothing to send. */
export interface NearSlot {
  sendAt: number;
  release: () => void;
}

/**
 * Asks the pacer for a slot. A near one is returned for the caller to wait for; a later one reschedules the
 * copy to its booked slot and completes. Long waits must not hold a session: with 64 sessions and one busy
 * tenant, sleeping invocations would starve every other tenant (and the next fan-out page) behind it.
 */
export async function bookCopySlot(runtime: SenderRuntime, ctx: AttemptContext, paceKey: string): Promise<{ kind: 'near'; slot: NearSlot } | { kind: 'deferred'; result: SendResult }> {
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
  if (answer.kind === 'sendAfter') return { kind: 'near', slot: { sendAt: runtime.now().getTime() + answer.delayInMs, release: answer.release } };
  // A deferral is a new message with its own messageId, but not an attempt: it never counts toward maxAttempts.
  const notBefore = answer.until;
  const deferred = { ...ctx.message, deferral: (ctx.message.deferral ?? 0) + 1, pacedUntil: notBefore.toISOString() };
  await runtime.queue.enqueue([{ body: deferred, notBefore }]);
  return { kind: 'deferred', result: completed([...ctx.notes, `${ctx.message.operation} ${ctx.message.notificationId}/${ctx.key} paced: rescheduled to its slot at ${notBefore.toISOString()}`]) };
}

/** Waits what is left until the slot (work done since booking it, such as reads, has used part of the wait). */
export async function waitForSlot(runtime: SenderRuntime, slot: NearSlot): Promise<void> {
  const delayInMs = slot.sendAt - runtime.now().getTime();
  if (delayInMs > 0) await runtime.sleep(delayInMs);
}

/** Books the copy's slot and waits for it when it is near; a SendResult when the copy was rescheduled instead. */
export async function paceCopy(runtime: SenderRuntime, ctx: AttemptContext, paceKey: string): Promise<SendResult | undefined> {
  const booked = await bookCopySlot(runtime, ctx, paceKey);
  if (booked.kind === 'deferred') return booked.result;
  await waitForSlot(runtime, booked.slot);
  return undefined;
}
