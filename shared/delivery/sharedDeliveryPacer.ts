import { setTimeout as sleep } from 'node:timers/promises';

import { ensureError } from '../errors';
import { type DeliveryPacer, departureWindowInMs, type PaceAnswer, type PaceRequest, sendLatenessToleranceInMs } from './deliveryPacer';
import { HeldTenantSlots } from './heldTenantSlots';
import { type SendPacer } from './sendPacer';
import { type BudgetLease, type SharedTenantBudget } from './sharedTenantBudget';
import { type Departure, TenantBookings } from './tenantBookings';
import { TenantSlotPool } from './tenantSlotPool';

/**
 * Pacing shared by every instance (`PerTenantBudget=shared`, the default). The per-conversation windows stay
 * in this process (a Service Bus session keeps a conversation on one instance at a time) in the SendPacer,
 * built without a tenant limit: the tenant's only limit is the shared budget. A send goes only on a tenant
 * slot leased from it: leases are taken in batches sized to the sends waiting here (never a Table call per
 * message), and when the budget has nothing within the invocation's wait the copy is rescheduled, spread over
 * the windows after the next free slot (at the ceiling's rate) so rescheduled copies do not all return at once.
 * Those return times are promises only: a send is never held back by them. A copy whose leased slot lies beyond
 * the wait is rescheduled holding it (HeldTenantSlots) and sends on it when it comes back.
 */
export interface SharedDeliveryPacerOptions {
  /** Conversation windows only (perTenantRequestsPerSecond: Infinity). */
  local: SendPacer;
  budget: SharedTenantBudget;
  now: () => number;
  /**
   * How long the first send waiting for a tenant gathers others before leasing (default 30 ms, inside the
   * lease's lead): a lease sized to the sends actually waiting wastes no slots, and at full rate dozens are
   * waiting, so one lease (one Table write) serves them all.
   */
  gatherInMs?: number;
  /** At most this many slots per lease (default 25, half of Teams' per-second limit). */
  maxLease?: number;
  /** How late a send may still use its slot (default sendLatenessToleranceInMs); later ones are dropped unused. */
  slotToleranceInMs?: number;
  /**
   * How long after its conversation slot a send may leave on a tenant slot (default 50 ms). A lease's slots
   * land where the tenant's window has room, rarely on a conversation's slot to the millisecond, and booking
   * the conversation again at the tenant slot fails whenever its windows are packed (a copy coming back for
   * its booked slot among others booked just after it). The conversation windows' 100 ms margin absorbs this
   * much lateness with half of it left for arrival jitter (sendPacer.ts).
   */
  conversationLatenessInMs?: number;
  /** How it waits for a tenant window about to free (default: a timer); tests on a fake clock pass theirs. */
  sleep?: (delayInMs: number) => Promise<void>;
  /** Where a failure to share a 429 is reported (the local cool-down applies regardless). */
  warn?: (line: string) => void;
  /** Called after each lease (for reporting the budget's counters). */
  onLease?: () => void;
}

/** Re-reservations before giving up and rescheduling (slots taken by other sends meanwhile). */
const maxRounds = 4;
/** Leases one pace call may wait for. */
const maxRefills = 3;
/**
 * Sends per window to a tenant for which this instance leases ahead for the sends still to come (leaseSize).
 * From 5: slots then lie at most 220 ms apart, so a send waits about as long as a lease of its own would take
 * (gathering and lead, 130 ms); fewer and it would wait longer than it saves.
 */
const trickle = { from: 5, to: 10 };
/** Beyond a trickle, leased-ahead slots come this much faster than the last window's sends. */
const streamHeadroom = 1.25;

export class SharedDeliveryPacer implements DeliveryPacer {
  private readonly pool: TenantSlotPool;
  /** Leased slots kept for the copies rescheduled to them. */
  private readonly held: HeldTenantSlots;
  /** When this instance's requests to each tenant left or were answered (the departure gate, DeliveryPacer.depart). */
  private readonly departures: TenantBookings;
  private readonly leasing = new Map<string, Promise<BudgetLease>>();
  private readonly waiting = new Map<string, number>();
  /** The earliest slot time the sends waiting for the next lease can use, per tenant. */
  private readonly wantedFrom = new Map<string, number>();
  /** When a lease found the tenant's window full: no further lease is tried before this. */
  private readonly fullUntil = new Map<string, number>();
  /** Return times promised to rescheduled copies, per tenant, at most the tenant's current limit per window. */
  private readonly promised: TenantBookings;
  private readonly gatherInMs: number;
  private readonly maxLease: number;
  private readonly toleranceInMs: number;
  private readonly conversationLatenessInMs: number;
  /** How long before its slot a rescheduled copy comes back: the lease's gathering and lead, so its tenant slot can land on it. */
  private readonly returnLeadInMs: number;

  constructor(private readonly options: SharedDeliveryPacerOptions) {
    this.gatherInMs = Math.max(0, options.gatherInMs ?? 30);
    this.maxLease = Math.max(1, options.maxLease ?? 25);
    this.toleranceInMs = Math.max(0, options.slotToleranceInMs ?? sendLatenessToleranceInMs);
    this.conversationLatenessInMs = Math.max(this.toleranceInMs, options.conversationLatenessInMs ?? 50);
    this.returnLeadInMs = this.gatherInMs + options.budget.policy.leadInMs;
    this.pool = new TenantSlotPool(this.toleranceInMs);
    this.held = new HeldTenantSlots(options.budget.policy.windowInMs);
    this.departures = new TenantBookings(departureWindowInMs);
    this.promised = new TenantBookings(options.budget.policy.windowInMs);
  }

  async pace({ tenantId, conversationId, maxWaitInMs, heldSlotAt }: PaceRequest): Promise<PaceAnswer> {
    const { local } = this.options;
    if (heldSlotAt !== undefined) {
      const back = this.returning(tenantId, conversationId, heldSlotAt, maxWaitInMs);
      if (back !== undefined) return back;
    }
    let notBefore = Number.NEGATIVE_INFINITY;
    const began = this.options.now();
    let waited = false;
    for (let round = 0; round < maxRounds; round++) {
      const now = this.options.now();
      const slotAt = now + local.reserve(tenantId, conversationId, new Date(now), Number.POSITIVE_INFINITY, notBefore).delayInMs;
      if (slotAt - now > maxWaitInMs) return this.reschedule(tenantId, conversationId, slotAt);
      const shared = await this.sharedSlot(tenantId, slotAt);
      // Never before the tenant slot (its window's margin is for arrival jitter, not for sending early).
      if (shared.kind === 'slot' && shared.at <= slotAt + this.conversationLatenessInMs) {
        const tenantSlot = shared.at;
        return { kind: 'sendAfter', delayInMs: Math.max(0, slotAt - this.options.now(), tenantSlot - this.options.now()), release: this.handBack(tenantId, conversationId, slotAt, tenantSlot) };
      }
      if (shared.kind === 'slot') {
        const kept = this.onLaterTenantSlot(tenantId, conversationId, slotAt, shared.at, maxWaitInMs);
        if (kept !== undefined) return kept;
        notBefore = shared.at;
        continue;
      }
      local.release(tenantId, conversationId, slotAt);
      if (!waited && shared.at - began <= maxWaitInMs) {
        // The tenant's window frees within the wait an invocation may spend: wait for it here. Rescheduled, the
        // copy would go behind every copy promised a return already, and the window's slots would go unused.
        waited = true;
        notBefore = shared.at;
        const pauseInMs = shared.at - this.returnLeadInMs - this.options.now();
        if (pauseInMs > 0) await (this.options.sleep ?? sleep)(pauseInMs);
        continue;
      }
      notBefore = this.promise(tenantId, Math.max(shared.at, slotAt));
      break;
    }
    const now = this.options.now();
    const delayInMs = local.reserve(tenantId, conversationId, new Date(now), Number.POSITIVE_INFINITY, notBefore).delayInMs;
    return this.reschedule(tenantId, conversationId, now + delayInMs);
  }

  /**
   * A rescheduled copy back with its conversation slot: on the tenant slot held for it (still within its
   * tolerance), it sends; otherwise it hands its booking back and is paced afresh (undefined).
   */
  private returning(tenantId: string, conversationId: string, conversationSlot: number, maxWaitInMs: number): PaceAnswer | undefined {
    const { local } = this.options;
    const tenantSlot = this.held.take(tenantId, conversationId, conversationSlot);
    const now = this.options.now();
    // It was told to come back this early (returnLeadInMs), whatever the wait.
    if (tenantSlot !== undefined && now <= tenantSlot + this.toleranceInMs && conversationSlot - now <= Math.max(maxWaitInMs, this.returnLeadInMs)) {
      return { kind: 'sendAfter', delayInMs: Math.max(0, conversationSlot - now, tenantSlot - now), release: this.handBack(tenantId, conversationId, conversationSlot, tenantSlot) };
    }
    local.release(tenantId, conversationId, conversationSlot);
    return undefined;
  }

  /**
   * A tenant slot later than the conversation's own: the conversation is booked on it instead. Within the wait
   * the copy sends on it; beyond, it is rescheduled holding it, so it neither hands the slot back nor competes
   * for the next one when it returns. When the conversation's windows do not allow that time, the tenant slot
   * goes back for another send (undefined).
   */
  private onLaterTenantSlot(tenantId: string, conversationId: string, slotAt: number, tenantSlot: number, maxWaitInMs: number): PaceAnswer | undefined {
    const { local } = this.options;
    local.release(tenantId, conversationId, slotAt);
    const now = this.options.now();
    const conversationSlot = now + local.reserve(tenantId, conversationId, new Date(now), Number.POSITIVE_INFINITY, tenantSlot).delayInMs;
    const release = this.handBack(tenantId, conversationId, conversationSlot, tenantSlot);
    if (conversationSlot > tenantSlot + this.toleranceInMs) {
      release();
      return undefined;
    }
    if (conversationSlot - now <= maxWaitInMs) return { kind: 'sendAfter', delayInMs: Math.max(0, conversationSlot - now), release };
    this.held.hold(tenantId, conversationId, conversationSlot, tenantSlot);
    const returnAt = Math.max(now, conversationSlot - this.returnLeadInMs);
    return {
      kind: 'reschedule',
      until: new Date(conversationSlot),
      returnAt: new Date(returnAt),
      release: () => {
        this.held.take(tenantId, conversationId, conversationSlot);
        release();
      },
    };
  }

  /** Hands a copy's two bookings back unused: its conversation slot, and its tenant slot to the pool for another send. */
  private handBack(tenantId: string, conversationId: string, conversationSlot: number, tenantSlot: number): () => void {
    return () => {
      this.options.local.release(tenantId, conversationId, conversationSlot);
      this.pool.add(tenantId, [tenantSlot]);
    };
  }

  /** Reschedules to the conversation slot booked at `until`, coming back early enough to lease a tenant slot for it. */
  private reschedule(tenantId: string, conversationId: string, until: number): PaceAnswer {
    const returnAt = Math.max(this.options.now(), until - this.returnLeadInMs);
    return { kind: 'reschedule', until: new Date(until), returnAt: new Date(returnAt), release: () => this.options.local.release(tenantId, conversationId, until) };
  }

  /** A return time at or after `from` for a copy the budget cannot serve now; forgets promises a window old. */
  private promise(tenantId: string, from: number): number {
    return this.promised.book(tenantId, from, this.options.budget.limit(tenantId), this.options.now());
  }

  async coolDownTenant(tenantId: string, retryAfterInMs: number, now: Date): Promise<void> {
    this.options.local.coolDownTenant(tenantId, retryAfterInMs, now);
    this.pool.drop(tenantId);
    this.held.drop(tenantId);
    this.fullUntil.delete(tenantId);
    // The promises stay: copies rescheduled from now on queue behind those promised before the 429, not on them.
    try {
      await this.options.budget.throttled(tenantId, retryAfterInMs);
    } catch (thrown) {
      // The other instances learn at the next 429 instead; this one has cooled down already.
      this.options.warn?.(`tenant budget: could not share a 429 for tenant ${tenantId}: ${ensureError(thrown).message}`);
    }
  }

  depart(tenantId: string, now: number): Departure {
    return this.departures.depart(tenantId, now, this.options.budget.limit(tenantId));
  }

  /** This instance's cool-down, or a later one another instance wrote to the tenant's row as last read here. */
  tenantCoolDownUntil(tenantId: string): number {
    return Math.max(this.options.local.tenantCoolDownUntil(tenantId), this.options.budget.coolDownUntil(tenantId));
  }

  /**
   * Takes a held slot at or after `at` (leasing when none is held), or says when the next one frees up. Found
   * and taken in one synchronous step: two sends waiting on the same lease must never both get its last slot.
   */
  private async sharedSlot(tenantId: string, at: number): Promise<{ kind: 'slot' | 'full'; at: number }> {
    this.waiting.set(tenantId, (this.waiting.get(tenantId) ?? 0) + 1);
    try {
      for (let refill = 0; ; refill++) {
        const now = this.options.now();
        const slot = this.pool.first(tenantId, Math.max(at, now), now);
        if (slot !== undefined) {
          this.pool.take(tenantId, slot);
          return { kind: 'slot', at: slot };
        }
        const full = this.fullUntil.get(tenantId);
        // A send that waited for the window to free (it asks for a slot at or after it) leases again.
        if (full !== undefined && full > Math.max(now, at)) return { kind: 'full', at: full };
        if (refill >= maxRefills) return { kind: 'full', at: now + this.toleranceInMs };
        this.wantedFrom.set(tenantId, Math.min(this.wantedFrom.get(tenantId) ?? Number.POSITIVE_INFINITY, at));
        await this.refill(tenantId);
      }
    } finally {
      const left = (this.waiting.get(tenantId) ?? 1) - 1;
      if (left > 0) this.waiting.set(tenantId, left);
      else this.waiting.delete(tenantId);
    }
  }

  /**
   * Slots for the sends waiting, earliest first. At a trickle (fewer sends waiting than this instance sent to the
   * tenant in the last window, and those between trickle.from and trickle.to) a lease of one slot per send would cost a
   * Table write per send; it takes as many slots as the last window's sends instead, spread over the horizon,
   * for the sends still to come. A trickle's unused slots run out harmlessly: the tenant is far from its limit.
   * A steady stream beyond it does the same over one second (below).
   */
  private leaseSize(tenantId: string): { want: number; spacingInMs?: number } {
    const waiting = Math.min(this.maxLease, Math.max(1, this.waiting.get(tenantId) ?? 1));
    const recent = this.departures.recent(tenantId, this.options.now());
    if (recent <= waiting || recent < trickle.from) return { want: waiting };
    if (recent <= trickle.to) return { want: recent, spacingInMs: Math.floor(this.options.budget.policy.horizonInMs / recent) };
    // A burst (many sends waiting at once) leases what waits, packed as the window allows.
    if (waiting >= trickle.from) return { want: waiting };
    // A steady stream (a broadcast's copies spread on the queue arrive one every 21 ms, a lease's gathering
    // finds one or two): slots for the sends still to come, a little faster than the last window's pace so the
    // pace can still grow to the ceiling, which the ledger enforces whatever the spacing.
    return { want: Math.min(this.maxLease, recent), spacingInMs: Math.floor(1_000 / (recent * streamHeadroom)) };
  }

  /** One lease per tenant at a time, sized to the sends waiting for it; later callers share its result. */
  private async refill(tenantId: string): Promise<BudgetLease> {
    let running = this.leasing.get(tenantId);
    if (running === undefined) {
      const lease = async (): Promise<BudgetLease> => {
        await sleep(this.gatherInMs);
        // From the earliest slot a waiting send can use: a busy conversation's copy waits for its own slot, and
        // slots leased before it would run out unused while the lease is tried again and again.
        const notBefore = this.wantedFrom.get(tenantId) ?? Number.NEGATIVE_INFINITY;
        this.wantedFrom.delete(tenantId);
        const { want, spacingInMs } = this.leaseSize(tenantId);
        const granted = await this.options.budget.lease(tenantId, want, { notBefore, ...(spacingInMs === undefined ? {} : { spacingInMs }) });
        this.pool.add(tenantId, granted.slots);
        if (granted.slots.length === 0) this.fullUntil.set(tenantId, granted.nextFreeAt);
        else this.fullUntil.delete(tenantId);
        this.options.onLease?.();
        return granted;
      };
      running = lease();
      const settled = running.finally(() => this.leasing.delete(tenantId));
      this.leasing.set(tenantId, settled);
      return settled;
    }
    return running;
  }
}
