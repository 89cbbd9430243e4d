import { setTimeout as sleep } from 'node:timers/promises';

import { ensureError } from '../errors';
import { CopiesInHand } from './copiesInHand';
import { type DeliveryPacer, departureWindowInMs, lateSlotToleranceInMs, type NoRoom, type PaceAnswer, type PaceRequest } from './deliveryPacer';
import { partWant } from './partWant';
import { SendPacer } from './sendPacer';
import { type SharedTenantBudget } from './sharedTenantBudget';
import { type RateLimit } from './slidingWindowLog';
import { type Departure, TenantBookings } from './tenantBookings';
import { nextRiseAfter, peakRate, rateAt, type RateShare } from './tenantRateShares';

/**
 * Pacing shared by every instance (`PerTenantBudget=shared`, the default), by rate shares: this instance leases
 * a part of each tenant's per-second limit from the tenant's row (tenantRateShares.ts) about once a second
 * while it sends to the tenant, and paces its sends to the tenant within that part, in its SendPacer (which
 * also keeps each conversation's windows: a Service Bus session keeps a conversation on one instance at a
 * time) and at its departure gate, which counts each request from Teams' answer. However late this instance's
 * requests run, they only ever use its own part, and the parts add up to the limit.
 */
export interface RateSharePacerOptions {
  budget: SharedTenantBudget;
  now: () => number;
  /** How long the first send to a tenant without a part gathers others before leasing (default 30 ms). */
  gatherInMs?: number;
  /** A part is renewed this often while the instance sends to the tenant (default 1,000 ms). */
  renewEveryInMs?: number;
  /** The farthest slot a copy is rescheduled holding (default 2,000 ms); beyond, it comes back to be paced afresh. */
  holdHorizonInMs?: number;
  /** When this instance's part has no room for a copy: it comes back after this long (default 500 ms), holding nothing. */
  starvedReturnInMs?: number;
  /** Timers for renewals; tests on a fake clock pass theirs. */
  schedule?: (run: () => void, delayInMs: number) => { unref?: () => unknown };
  wait?: (delayInMs: number) => Promise<void>;
  warn?: (line: string) => void;
  /** Called after each lease (for reporting the budget's counters). */
  onLease?: () => void;
}

/** The first part after a quiet spell is renewed this soon (see lease). */
const firstRenewalInMs = 250;
/** A part stays valid this long after its renewal is due (the renewal's own round trip). */
const renewalSlackInMs = 250;
/**
 * A part is renewed about once per this many of its requests (renewalInterval): a renewal is two Table
 * operations (the row is read first when other instances share it), so 30 keep to one operation per 10 sends
 * with room for the first renewals and the release.
 */
const sendsPerRenewal = 30;
/** The longest between renewals (a small part), as a multiple of renewEveryInMs. */
const longestRenewal = 2.5;
/** How often a held part is looked after (watch): renewal due, a part that no longer fits its demand, idle. */
const watchEveryInMs = 250;
/** A part that turns copies away is renewed at most this often to grow (each renewal is two Table operations). */
const growEveryInMs = 1_500;
/** A part is given back after this long without a copy for its tenant (a window: a trickle of one a second keeps it). */
const idleReleaseInMs = 1_005;
/** A demand is measured over at least this long (the first copies of a broadcast arrive at once). */
const shortestDemandInMs = 100;
/**
 * The furthest slot a copy is put back on the queue for, holding it; a copy further behind comes back within a
 * second to be paced again. host.json's sessionIdleTimeout is no shorter, so such a copy finds its session (and
 * the conversation's windows) still with this instance.
 */
export const defaultHoldHorizonInMs = 2_000;
/** The longest a request waits at the departure gate; beyond, its copy comes back instead of holding a session. */
const maxGateWaitInMs = 1_000;
/** The longest a copy waits for its part to rise or be renewed when it has no room (partFor). */
const maxStarvedWaitInMs = 750;
/** A request the departure gate refuses while its part is being leased asks again this soon. */
const leaseWaitInMs = 25;
/**
 * The tenant's sends go in groups per 50 ms, not as one burst per window: of at least 5, and at most a fifth of
 * the part (groupLimit), so a full part's first window leaves within 250 ms. Teams' windows slide, so every later
 * window of a broadcast keeps the first one's shape: with groups of 5 the first fifty took 450 ms at least, and
 * the whole broadcast as much longer.
 */
const group: RateLimit = { limit: 5, windowInMs: 50 };
const groupsPerWindow = 5;

function groupLimit(rate: number): number {
  return Math.max(group.limit, Math.floor(rate / groupsPerWindow));
}

export class RateSharePacer implements DeliveryPacer {
  readonly local: SendPacer;
  private readonly departures = new TenantBookings(departureWindowInMs);
  /** Pace calls per tenant in the last window: the demand a part's want is sized to. */
  private readonly demand = new TenantBookings(departureWindowInMs);
  /** Since when each tenant has had pace calls without a quiet window: a demand younger than a window is scaled up to one. */
  private readonly demandSince = new Map<string, number>();
  /** Copies sent back (no room in the part, or far behind it) per tenant in the last window: the part is short. */
  private readonly turnedAway = new TenantBookings(departureWindowInMs);
  /** Copies between their slot and their departure, per tenant: a part's want keeps room for them. */
  private readonly inHand = new CopiesInHand();
  /** Copies rescheduled to a slot booked here, per tenant, until that slot: the want counts them as well. */
  private readonly held = new CopiesInHand();
  private readonly shares = new Map<string, RateShare>();
  private readonly leasing = new Map<string, Promise<RateShare>>();
  /** Tenants whose part is looked after (watch). */
  private readonly watching = new Set<string>();
  /** When each tenant's part was leased and when its renewal is due. */
  private readonly leases = new Map<string, { at: number; due: number }>();
  /** While a lease is under way: the most requests a window may hold (what the lease claims this instance sent). */
  private readonly claimed = new Map<string, number>();
  private readonly gatherInMs: number;
  private readonly renewEveryInMs: number;
  private readonly holdHorizonInMs: number;
  private readonly starvedReturnInMs: number;

  constructor(private readonly options: RateSharePacerOptions) {
    this.gatherInMs = Math.max(0, options.gatherInMs ?? 30);
    this.renewEveryInMs = Math.max(1, options.renewEveryInMs ?? 1_000);
    this.holdHorizonInMs = Math.max(0, options.holdHorizonInMs ?? defaultHoldHorizonInMs);
    this.starvedReturnInMs = Math.max(1, options.starvedReturnInMs ?? 500);
    this.local = new SendPacer({
      perTenantRequestsPerSecond: options.budget.policy.ceiling,
      // The departure gate holds the part as requests reach Teams; the slots only need Teams' 1 s and rounding.
      tenantSafetyMarginInMs: departureWindowInMs - 1_000,
      tenantLimitsOf: (tenantId, at) => {
        const rate = this.rateAt(tenantId, at);
        return [
          { limit: rate, windowInMs: departureWindowInMs },
          { limit: Math.min(rate, groupLimit(rate)), windowInMs: group.windowInMs },
        ];
      },
    });
  }

  async pace(request: PaceRequest): Promise<PaceAnswer> {
    const answer = await this.paceCopy(request);
    if (answer.kind !== 'sendAfter') return answer;
    // Held from its slot until it departs (depart) or is released.
    const handBack = this.inHand.add(request.tenantId, this.options.now());
    return {
      ...answer,
      release: () => {
        handBack();
        answer.release();
      },
    };
  }

  private async paceCopy({ tenantId, conversationId, maxWaitInMs, heldSlotAt }: PaceRequest): Promise<PaceAnswer> {
    const asked = this.options.now();
    if (this.demand.recent(tenantId, asked) === 0) this.demandSince.set(tenantId, asked);
    this.demand.book(tenantId, asked, Number.POSITIVE_INFINITY);
    const share = await this.partFor(tenantId, maxWaitInMs);
    const start = this.options.now();
    // Another instance's 429, as the lease read it: nothing is booked before its Retry-After here either.
    const coolDownUntil = this.options.budget.coolDownUntil(tenantId);
    if (coolDownUntil > this.local.tenantCoolDownUntil(tenantId)) this.local.coolDownTenant(tenantId, coolDownUntil - start, new Date(start));
    if (heldSlotAt !== undefined) {
      // Its own slot, booked here when it was rescheduled: booking again would take a second one. One that holds
      // no booking here (it came back to another instance, or was sent back holding nothing) goes on it only if
      // its conversation's windows here allow.
      const waitInMs = heldSlotAt - start;
      const held = this.local.holds(conversationId, heldSlotAt);
      const late = waitInMs < -lateSlotToleranceInMs;
      const onTime = !late && waitInMs <= maxWaitInMs && rateAt(share, Math.max(start, heldSlotAt)) >= 1;
      if (held && onTime) {
        return { kind: 'sendAfter', delayInMs: Math.max(0, waitInMs), release: () => this.local.release(tenantId, conversationId, heldSlotAt) };
      }
      if (!held && onTime) {
        // Booked by another instance (its departure gate and part hold the tenant's limit here): only its
        // conversation's windows are booked here, from its slot on.
        const slot = this.local.reserveConversation(conversationId, new Date(start), heldSlotAt, maxWaitInMs);
        if (slot !== undefined) return { kind: 'sendAfter', delayInMs: Math.max(0, slot - start), release: () => this.local.releaseConversation(conversationId, slot) };
      }
      // One booked here that the queue hands over late (a busy machine) goes first, as its conversation's windows
      // allow from now, through the departure gate, which holds the part as it leaves; its tenant booking stays
      // where the part counted it. Booked again behind every copy booked meanwhile, it was far behind, came back
      // within ms and was late again: under load four instances passed copies around for a minute and sent nothing.
      const coolingDown = this.local.tenantCoolDownUntil(tenantId) > start;
      if (held && late && !coolingDown && rateAt(share, start) >= 1) {
        this.local.releaseConversation(conversationId, heldSlotAt);
        const slot = this.local.reserveConversation(conversationId, new Date(start), start, maxWaitInMs);
        if (slot !== undefined) {
          const release = (): void => {
            this.local.releaseConversation(conversationId, slot);
            this.local.releaseTenant(tenantId, heldSlotAt);
          };
          return { kind: 'sendAfter', delayInMs: Math.max(0, slot - start), release };
        }
        this.local.releaseTenant(tenantId, heldSlotAt);
      } else if (held) {
        this.local.release(tenantId, conversationId, heldSlotAt);
      }
    }
    const now = this.options.now();
    if (rateAt(share, now) < 1) {
      // No room in this instance's part yet: back soon (or when the part grows), holding nothing, instead of a
      // booking far ahead that would go unused when the part grows.
      return this.comeBack(tenantId, Math.min(nextRiseAfter(share, now)?.at ?? Number.POSITIVE_INFINITY, now + this.starvedReturnInMs));
    }
    // A copy rescheduled to a slot is never sent before it, wherever it lands (its conversation may have sent up to then).
    const reservation = this.local.reserve(tenantId, conversationId, new Date(now), Number.POSITIVE_INFINITY, heldSlotAt ?? Number.NEGATIVE_INFINITY);
    if (!reservation.booked) return this.comeBack(tenantId, now + this.starvedReturnInMs);
    const slotAt = now + reservation.delayInMs;
    const release = (): void => this.local.release(tenantId, conversationId, slotAt);
    if (reservation.delayInMs <= maxWaitInMs) return { kind: 'sendAfter', delayInMs: reservation.delayInMs, release };
    if (reservation.delayInMs <= this.holdHorizonInMs) {
      const unhold = this.held.add(tenantId, now, slotAt);
      return {
        kind: 'reschedule',
        until: new Date(slotAt),
        returnAt: new Date(slotAt),
        release: () => {
          unhold();
          release();
        },
      };
    }
    // Far behind this instance's part: the part grows with the demand, so the copy is paced again within a
    // second, never sooner than a copy with no room (a return within ms found the slots taken again).
    release();
    return this.comeBack(tenantId, now + Math.max(this.starvedReturnInMs, Math.min(1_000, reservation.delayInMs - this.holdHorizonInMs)));
  }

  async coolDownTenant(tenantId: string, retryAfterInMs: number, now: Date): Promise<void> {
    this.local.coolDownTenant(tenantId, retryAfterInMs, now);
    // The tenant's limit drops for every instance at its next lease; this one's part drops at once.
    const held = this.shares.get(tenantId);
    const factor = this.options.budget.policy.backoffFactor;
    if (held !== undefined) this.shares.set(tenantId, { ...held, steps: held.steps.map(([from, rate]) => [from, Math.floor(rate * factor)] as const) });
    try {
      await this.options.budget.throttled(tenantId, retryAfterInMs);
    } catch (thrown) {
      // The other instances learn at the next 429 instead; this one has cooled down already.
      this.options.warn?.(`tenant budget: could not share a 429 for tenant ${tenantId}: ${ensureError(thrown).message}`);
    }
  }

  tenantCoolDownUntil(tenantId: string): number {
    return Math.max(this.local.tenantCoolDownUntil(tenantId), this.options.budget.coolDownUntil(tenantId));
  }

  /**
   * Books the departure within this instance's part as it is when the request leaves, at most maxGateWaitInMs
   * ahead (at the part's next rise when it has no room now). Never at a floor rate: a request this part has no
   * room for soon does not leave, and its copy comes back (no room).
   */
  depart(tenantId: string, now: number): Departure | NoRoom {
    const held = this.shares.get(tenantId);
    if (held === undefined || now >= held.until) {
      this.renewSoon(tenantId);
      return { noRoomUntil: now + leaseWaitInMs };
    }
    const claimed = this.claimed.get(tenantId);
    const rate = Math.min(rateAt(held, now), claimed ?? Number.POSITIVE_INFINITY);
    const rise = rate >= 1 ? { at: now, rate } : claimed === undefined ? nextRiseAfter(held, now) : undefined;
    // While a lease is under way the claim holds requests back, and the new part comes within a round trip.
    const noRoomUntil = (at: number): NoRoom => ({ noRoomUntil: claimed === undefined ? Math.min(at, now + this.starvedReturnInMs) : now + leaseWaitInMs });
    if (rise === undefined || rise.at - now > maxGateWaitInMs) return noRoomUntil(rise?.at ?? Number.POSITIVE_INFINITY);
    // Never past the part's end: its requests count after it only for as long as the others allow (tenantRateShares.ts).
    // Under a lease's claim only now: booked a window on under the claim, a request would keep that late departure
    // after the new part came in, a few ms later (the last of a window's fifty, and of every window after it).
    const latest = claimed === undefined ? Math.min(now + maxGateWaitInMs, held.until - 1) : now;
    const departure = this.departures.depart(tenantId, now, rise.rate, { from: rise.at, latest });
    if (departure === undefined) return noRoomUntil(Number.POSITIVE_INFINITY);
    this.inHand.departed(tenantId);
    return departure;
  }

  /** This instance's rate for the tenant at `at`: its part's, and none when it holds no part. */
  rateAt(tenantId: string, at: number): number {
    const held = this.shares.get(tenantId);
    return held === undefined ? 0 : rateAt(held, at);
  }

  private comeBack(tenantId: string, at: number): PaceAnswer {
    this.turnedAway.book(tenantId, this.options.now(), Number.POSITIVE_INFINITY);
    return { kind: 'reschedule', until: new Date(at), returnAt: new Date(at), release: () => undefined };
  }

  /** The part in force, leasing one when none is (the first sends gather for it). */
  private async share(tenantId: string): Promise<RateShare> {
    const held = this.shares.get(tenantId);
    if (held !== undefined && this.options.now() < held.until) return held;
    return this.lease(tenantId, held === undefined ? this.gatherInMs : 0);
  }

  /**
   * The part in force. One with no room now (others held the limit when it was leased: instances starting
   * together) is waited out to its next rise or renewal when that is near, so the copy stays with the instance
   * whose demand the renewal is sized by. Sent back to the queue instead, it lands on any instance, whose part
   * may be as full; four instances starting on one broadcast passed copies around for seconds that way.
   */
  private async partFor(tenantId: string, maxWaitInMs: number): Promise<RateShare> {
    let share = await this.share(tenantId);
    const deadline = this.options.now() + Math.min(maxWaitInMs, maxStarvedWaitInMs);
    for (;;) {
      const now = this.options.now();
      const lease = this.leases.get(tenantId);
      if (lease === undefined || rateAt(share, now) >= 1) return share;
      const rise = nextRiseAfter(share, now)?.at ?? Number.POSITIVE_INFINITY;
      const wake = Math.min(rise, lease.due);
      if (wake > deadline) return share;
      await (this.options.wait ?? sleep)(Math.max(0, wake - now));
      // Renewed meanwhile (by another copy or the watch) or risen: the part in force; else renew it now.
      const renewed = (this.leases.get(tenantId)?.at ?? Number.NEGATIVE_INFINITY) >= lease.due;
      share = rise <= lease.due || renewed ? (this.shares.get(tenantId) ?? share) : await this.lease(tenantId, 0);
    }
  }

  /** One lease per tenant at a time; later callers share it. */
  private async lease(tenantId: string, gatherInMs: number): Promise<RateShare> {
    const running = this.leasing.get(tenantId);
    if (running !== undefined) return running;
    const lease = async (): Promise<RateShare> => {
      if (gatherInMs > 0) await (this.options.wait ?? sleep)(gatherInMs);
      const now = this.options.now();
      const want = this.wantOf(tenantId, now);
      // What this instance has at Teams: its requests of the last window (and booked to leave). Until the new
      // part is in force no request leaves beyond that count (claimed), so the claim the lease writes holds.
      const footprint = this.departures.peak(tenantId, now);
      const previous = this.shares.get(tenantId);
      this.claimed.set(tenantId, footprint.count);
      const first = previous === undefined || now >= previous.until;
      // The row records how long the part is valid before its size is known: sized by the part held until now.
      const renewInMs = first ? firstRenewalInMs : this.renewalInterval(rateAt(previous, now));
      const early = this.demandAge(tenantId, now) < departureWindowInMs;
      const { share, fair } = await this.options.budget.leaseShare(tenantId, { want, footprint, validForInMs: renewInMs + renewalSlackInMs, early });
      this.shares.set(tenantId, share);
      // A part far below its fair share (others still hold more, as instances start together) is renewed as soon
      // as a first part would be: the others give theirs up at their own renewals.
      const starved = rateAt(share, this.options.now()) < fair / 2;
      // Renewed as often as the new part's size asks (within its validity): a part that grew from little to much,
      // as one instance's does while the others start, is shared out again within a second, not after 2.5 s of
      // the others waiting for room it holds.
      const sizedInMs = Math.min(renewInMs, this.renewalInterval(peakRate(share)));
      this.leases.set(tenantId, { at: now, due: now + (starved ? Math.min(sizedInMs, firstRenewalInMs) : sizedInMs) });
      this.options.onLease?.();
      this.watch(tenantId);
      return share;
    };
    const settled = lease().finally(() => {
      this.leasing.delete(tenantId);
      this.claimed.delete(tenantId);
    });
    this.leasing.set(tenantId, settled);
    return settled;
  }

  /**
   * Every renewEveryInMs at full rate; a smaller part less often, about every sendsPerRenewal of its requests (up
   * to longestRenewal × renewEveryInMs).
   */
  private renewalInterval(rate: number): number {
    return Math.min(longestRenewal * this.renewEveryInMs, Math.max(this.renewEveryInMs, Math.round((sendsPerRenewal * departureWindowInMs) / Math.max(1, rate))));
  }

  /** Requests per window this instance could use for the tenant (partWant.ts). */
  private wantOf(tenantId: string, now: number): number {
    return partWant({
      demandPerWindow: this.demandPerWindow(tenantId, now),
      inHand: this.inHand.count(tenantId, now) + this.held.count(tenantId, now),
      inWindow: this.departures.peak(tenantId, now).count,
      ceiling: this.options.budget.policy.ceiling,
    });
  }

  /** Pace calls in the last window, scaled up to a whole window when the demand began less than one ago. */
  private demandPerWindow(tenantId: string, now: number): number {
    const calls = this.demand.recent(tenantId, now);
    return (calls * departureWindowInMs) / Math.min(departureWindowInMs, Math.max(shortestDemandInMs, this.demandAge(tenantId, now)));
  }

  /** How long the tenant has had pace calls without a quiet window: younger than a window, its demand is a guess. */
  private demandAge(tenantId: string, now: number): number {
    return now - (this.demandSince.get(tenantId) ?? now);
  }

  /**
   * Looks after the tenant's part every watchEveryInMs while this instance holds one (no Table operation unless
   * it acts): renews it when due; sooner (at most every renewEveryInMs) when it no longer fits the demand (it
   * turns copies away and the demand is larger, or the demand has fallen below a third of it), so parts follow
   * where the copies are; and gives it back after a window without a copy for the tenant.
   */
  private watch(tenantId: string): void {
    if (this.watching.has(tenantId)) return;
    this.watching.add(tenantId);
    const schedule = this.options.schedule ?? setTimeout;
    const tick = (): void => {
      const now = this.options.now();
      const held = this.shares.get(tenantId);
      if (held === undefined) {
        this.watching.delete(tenantId);
        return;
      }
      if (!this.leasing.has(tenantId)) {
        if (now - Math.max(this.demand.latest(tenantId), this.departures.latest(tenantId)) >= idleReleaseInMs) {
          this.watching.delete(tenantId);
          this.release(tenantId);
          return;
        }
        const lease = this.leases.get(tenantId) ?? { at: now, due: now };
        const want = this.wantOf(tenantId, now);
        const rate = rateAt(held, now);
        const sinceLease = now - lease.at;
        const short = this.turnedAway.recent(tenantId, now) > rate / 2 && want > rate && sinceLease >= growEveryInMs;
        const oversized = want < rate / 3 && sinceLease >= this.renewEveryInMs;
        if (now >= lease.due || short || oversized) this.renewSoon(tenantId);
      }
      schedule(tick, watchEveryInMs).unref?.();
    };
    schedule(tick, watchEveryInMs).unref?.();
  }

  /**
   * Gives the part back when this instance has stopped sending to the tenant (one write), so the others may use
   * it as soon as its last requests age out instead of when it would have lapsed.
   */
  private release(tenantId: string): void {
    const now = this.options.now();
    this.shares.delete(tenantId);
    this.leases.delete(tenantId);
    this.demandSince.delete(tenantId);
    void this.options.budget.release(tenantId, this.departures.peak(tenantId, now)).then(() => this.options.onLease?.());
  }

  private renewSoon(tenantId: string): void {
    this.lease(tenantId, 0).catch((thrown: unknown) => {
      // Sends find the part lapsed and lease again; Service Bus redelivers what fails.
      this.options.warn?.(`tenant budget: could not renew the rate share for tenant ${tenantId}: ${ensureError(thrown).message}`);
    });
  }
}
