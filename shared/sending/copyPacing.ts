import { type NoRoom, type PaceAnswer, sendLatenessToleranceInMs } from '../delivery/deliveryPacer';
import { type Departure } from '../delivery/tenantBookings';
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
  const { pacedUntil, ...unpaced } = ctx.message;
  ctx.message = unpaced;
  const answer = await askPacer(runtime, ctx, paceKey, pacedUntil === undefined ? undefined : Date.parse(pacedUntil));
  if (answer.kind === 'near') return answer;
  return { kind: 'deferred', result: await deferCopy(runtime, ctx, answer) };
}

/**
 * Puts the copy back on the queue for its booked slot. A deferral is a new message with its own messageId,
 * but not an attempt: it never counts toward maxAttempts.
 */
async function deferCopy(runtime: SenderRuntime, ctx: AttemptContext, answer: Pick<Extract<PaceAnswer, { kind: 'reschedule' }>, 'until' | 'returnAt'>): Promise<SendResult> {
  const deferred = { ...ctx.message, deferral: (ctx.message.deferral ?? 0) + 1, pacedUntil: answer.until.toISOString() };
  await runtime.queue.enqueue([{ body: deferred, notBefore: answer.returnAt }]);
  return completed([...ctx.notes, `${ctx.message.operation} ${ctx.message.notificationId}/${ctx.key} paced: rescheduled to its slot at ${answer.until.toISOString()}`]);
}

async function askPacer(runtime: SenderRuntime, ctx: AttemptContext, paceKey: string, heldSlotAt: number | undefined): Promise<{ kind: 'near'; slot: NearSlot } | Extract<PaceAnswer, { kind: 'reschedule' }>> {
  const answer = await runtime.pacer.pace({
    tenantId: ctx.tenantId ?? '',
    conversationId: paceKey,
    now: runtime.now(),
    maxWaitInMs: runtime.maxPacingWaitInMs,
    ...(heldSlotAt === undefined ? {} : { heldSlotAt }),
  });
  if (answer.kind === 'sendAfter') return { kind: 'near', slot: { sendAt: runtime.now().getTime() + answer.delayInMs, release: answer.release } };
  return answer;
}

/** Rounds of booking again after waking too late for the slot (or into a cool-down); then the copy goes on the last one anyway. */
const maxLateRebookings = 3;

/**
 * Waits what is left until the slot (work done since booking it, such as reads, has used part of the wait).
 * A send that wakes more than sendLatenessToleranceInMs after its slot takes a near one instead of leaving
 * late (see there). When none is near it goes late after all: rescheduling it would put it behind every copy
 * booked meanwhile, and a process that is late again and again would then never send at all. A slot granted
 * before Teams answered 429 for the tenant is never used during the cool-down: the copy books again (after
 * it) or is rescheduled, so one 429 does not turn into one for every send already waiting for its slot. A
 * send that goes waits, if it must, for its departure (DeliveryPacer.depart), kept on `ctx` for Teams' answer.
 */
export async function waitForSlot(runtime: SenderRuntime, ctx: AttemptContext, paceKey: string, slot: NearSlot): Promise<SendResult | undefined> {
  const tenantId = ctx.tenantId ?? '';
  let current = slot;
  for (let round = 0; ; round++) {
    const delayInMs = current.sendAt - runtime.now().getTime();
    if (delayInMs > 0) await runtime.sleep(delayInMs);
    const now = runtime.now().getTime();
    // A slot inside a cool-down was granted before Teams answered 429 (the pacer books none there since).
    let coolingDown = runtime.pacer.tenantCoolDownUntil(tenantId) > current.sendAt;
    if (round >= maxLateRebookings || (!coolingDown && now - current.sendAt <= sendLatenessToleranceInMs)) {
      // A 429 heard while it waited for its departure finds it on a slot granted before the 429, too.
      const gate = await throughGate(runtime, ctx, tenantId);
      if (gate === 'go' || (gate === 'coolingDown' && round >= maxLateRebookings)) return undefined;
      if (gate !== 'coolingDown') {
        current.release();
        return deferCopy(runtime, ctx, { until: new Date(gate.noRoomUntil), returnAt: new Date(gate.noRoomUntil) });
      }
      coolingDown = true;
    }
    const next = await askPacer(runtime, ctx, paceKey, undefined);
    // Nothing goes out on the missed slot: it must not count in the conversation's windows.
    if (next.kind === 'near') {
      current.release();
      current = next.slot;
      continue;
    }
    if (!coolingDown) {
      const gate = await throughGate(runtime, ctx, tenantId);
      if (gate === 'go') {
        next.release();
        return undefined;
      }
    }
    current.release();
    return deferCopy(runtime, ctx, next);
  }
}

/**
 * Holds the request until its departure keeps the tenant's limit as requests actually reach Teams
 * (DeliveryPacer.depart): `go`, or `coolingDown` when the tenant went into a cool-down meanwhile, or the
 * gate's refusal (then it must not leave).
 */
async function throughGate(runtime: SenderRuntime, ctx: AttemptContext, tenantId: string): Promise<'go' | 'coolingDown' | NoRoom> {
  const gate = await departureOrRefusal(runtime, tenantId);
  if (gate === 'coolingDown' || 'noRoomUntil' in gate) return gate;
  ctx.departure = gate;
  const delayInMs = gate.at - runtime.now().getTime();
  if (delayInMs <= 0) return 'go';
  await runtime.sleep(delayInMs);
  if (runtime.pacer.tenantCoolDownUntil(tenantId) <= runtime.now().getTime()) return 'go';
  // It does not leave: its booking stops waiting for an answer (and ages out from now).
  gate.landed(runtime.now().getTime());
  ctx.departure = undefined;
  return 'coolingDown';
}

/**
 * The gate's departure, waiting out a refusal that lifts within maxGateHoldInMs (a part being renewed): a copy
 * sent back loads the queue and lands on any instance, whose part may be as full, and under load that churn fed
 * on itself (slower leases, more refusals). A refusal given up on keeps the copy away minGateReturnInMs at least:
 * copies back every 25 ms while a lease dragged on stalled four instances for a minute.
 */
async function departureOrRefusal(runtime: SenderRuntime, tenantId: string): Promise<Departure | NoRoom | 'coolingDown'> {
  const start = runtime.now().getTime();
  for (;;) {
    const now = runtime.now().getTime();
    const gate = runtime.pacer.depart(tenantId, now);
    if (!('noRoomUntil' in gate)) return gate;
    if (gate.noRoomUntil - start > maxGateHoldInMs) return { noRoomUntil: Math.max(gate.noRoomUntil, now + minGateReturnInMs) };
    await runtime.sleep(Math.max(1, gate.noRoomUntil - now));
    if (runtime.pacer.tenantCoolDownUntil(tenantId) > runtime.now().getTime()) return 'coolingDown';
  }
}

/** The longest a request waits at the departure gate for a refusal to lift before its copy goes back to the queue. */
const maxGateHoldInMs = 1_000;
/** A copy the gate turned away comes back no sooner than this. */
const minGateReturnInMs = 500;

/** Books the copy's slot and waits for it when it is near; a SendResult when the copy was rescheduled instead. */
export async function paceCopy(runtime: SenderRuntime, ctx: AttemptContext, paceKey: string): Promise<SendResult | undefined> {
  const booked = await bookCopySlot(runtime, ctx, paceKey);
  if (booked.kind === 'deferred') return booked.result;
  return waitForSlot(runtime, ctx, paceKey, booked.slot);
}
