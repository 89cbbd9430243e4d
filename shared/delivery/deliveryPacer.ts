import { defaultSafetyMarginInMs, type SendPacer } from './sendPacer';
import { type Departure, type TenantBookings } from './tenantBookings';

/**
 * What the send path asks before each request to Teams: when may this copy go? Either within the wait an
 * invocation may spend (send after `delayInMs`), or later: then the copy is rescheduled on the queue to
 * `until`, where its conversation slot is booked, and comes back holding it (`heldSlotAt`).
 */
export interface PaceRequest {
  tenantId: string;
  /** The pacing key: the conversation (or the user whose personal chat is being created). */
  conversationId: string;
  now: Date;
  /** The longest wait an invocation spends; a later slot reschedules the copy. */
  maxWaitInMs: number;
  /** The slot a rescheduled copy booked before (its `pacedUntil`), epoch ms. */
  heldSlotAt?: number;
}

export type PaceAnswer =
  /** `release` hands the slot back unused (the copy turned out to have nothing to send), for another send to take. */
  | { kind: 'sendAfter'; delayInMs: number; release: () => void }
  /**
   * `until` is the booked slot (or, for a copy that holds none, the time before which it must not be sent); the
   * copy comes back on the queue at `returnAt` (at or before it). `release` hands the booking back when the copy
   * is not rescheduled after all.
   */
  | { kind: 'reschedule'; until: Date; returnAt: Date; release: () => void };

export interface DeliveryPacer {
  pace(request: PaceRequest): Promise<PaceAnswer>;
  /** After a 429 for the tenant: no send to it before Retry-After. Never throws. */
  coolDownTenant(tenantId: string, retryAfterInMs: number, now: Date): Promise<void>;
  /** Until when (epoch ms) the tenant is cooling down after a 429 this pacer heard of; -Infinity when it is not. */
  tenantCoolDownUntil(tenantId: string): number;
  /**
   * The departure gate, called as a request is about to leave for the tenant (its slot waited for): books its
   * departure and says when it may leave (`at`, at or after `now`); the caller reports Teams' answer
   * (`landed`). Slots keep the limit in slot time, but Teams counts arrivals: a send that wakes late (a busy
   * event loop) leaves with the sends of later slots, and one slow on the way (a new connection) arrives among
   * the next window's. Each request counts from its answer, by which time it has arrived, and this process's
   * requests are held per departureWindowInMs on those times: to the tenant's limit when each process paces
   * alone, to this instance's rate share when the budget is shared (the shares add up to the limit). A
   * `NoRoom` answer: the request must not leave before `noRoomUntil` (its instance's share has no room for it,
   * or is being leased); the caller asks again then, or sends the copy back to the queue when that is far.
   */
  depart(tenantId: string, now: number): Departure | NoRoom;
}

/** The departure gate's refusal (DeliveryPacer.depart). */
export interface NoRoom {
  noRoomUntil: number;
}

/**
 * How long after its slot a send may still leave on it; a later one books again. The tenant's limit is kept at
 * the departure gate, which counts requests from Teams' answers however late they leave; the conversation's
 * windows were booked with the SendPacer's margin, which a send this late still keeps. (At 10 ms, from before
 * the gate, the reads before a broadcast's first window made most of its fifty sends 20 to 80 ms late, and
 * booking them again spread that window, and every later one, over twice as long.)
 */
export const sendLatenessToleranceInMs = defaultSafetyMarginInMs - 25;

/**
 * The departure gate's window: Teams' 1 s, and 5 ms for rounding (Teams and the emulator count whole ms). No
 * margin for arrival jitter is needed: requests count from their answers (TenantBookings.depart).
 */
export const departureWindowInMs = 1_005;

/** How late a rescheduled copy may come back for its booked slot and still use it. */
export const lateSlotToleranceInMs = 50;

/**
 * Pacing within this process only (`PerTenantBudget=process`): every instance paces each tenant at the full
 * rate on its own, so N instances offer Teams N times the rate. For one instance, and as the baseline.
 */
export function processDeliveryPacer(pacer: SendPacer, departures?: { bookings: TenantBookings; limit: number }): DeliveryPacer {
  return {
    pace: async ({ tenantId, conversationId, now, maxWaitInMs, heldSlotAt }) => {
      if (heldSlotAt !== undefined) {
        // Its own slot, booked when it was rescheduled: booking again would take a second one. A copy the
        // queue hands over late has lost it (sending now would bunch with later slots), so it books anew.
        const waitInMs = heldSlotAt - now.getTime();
        if (waitInMs >= -lateSlotToleranceInMs && waitInMs <= maxWaitInMs) {
          return Promise.resolve({ kind: 'sendAfter', delayInMs: Math.max(0, waitInMs), release: () => pacer.release(tenantId, conversationId, heldSlotAt) });
        }
      }
      const reservation = pacer.reserve(tenantId, conversationId, now);
      const slotAt = now.getTime() + reservation.delayInMs;
      if (reservation.delayInMs <= maxWaitInMs) return Promise.resolve({ kind: 'sendAfter', delayInMs: reservation.delayInMs, release: () => pacer.release(tenantId, conversationId, slotAt) });
      return Promise.resolve({ kind: 'reschedule', until: new Date(slotAt), returnAt: new Date(slotAt), release: () => pacer.release(tenantId, conversationId, slotAt) });
    },
    coolDownTenant: async (tenantId, retryAfterInMs, now) => {
      pacer.coolDownTenant(tenantId, retryAfterInMs, now);
      return Promise.resolve();
    },
    tenantCoolDownUntil: (tenantId) => pacer.tenantCoolDownUntil(tenantId),
    depart: (tenantId, now) => departures?.bookings.depart(tenantId, now, departures.limit) ?? { at: now, landed: () => undefined },
  };
}
