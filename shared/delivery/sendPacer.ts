import { type RateLimit, SlidingWindowLog } from './slidingWindowLog';

/**
 * In-process pacing so Teams rarely has to say 429: Teams' per-thread limits for each conversation, a
 * per-tenant requests-per-second budget, and cool-downs a 429 sets. The send loop asks before each request
 * and books the slot in the same synchronous call, so concurrent callers never all hear "now". Bookkeeping
 * only: it never sleeps; waiting (or rescheduling when the wait is long) is the caller's.
 */

/** Teams' per bot, per thread limits for sending to a conversation. */
export const teamsPerConversationLimits: readonly RateLimit[] = [
  { limit: 7, windowInMs: 1_000 },
  { limit: 8, windowInMs: 2_000 },
  { limit: 60, windowInMs: 30_000 },
  { limit: 1_800, windowInMs: 3_600_000 },
];

export interface SendPacerOptions {
  /** DeliverySettings.perTenantRequestsPerSecond; Infinity when the tenant is paced elsewhere (the shared budget). */
  perTenantRequestsPerSecond: number;
  perConversationLimits?: readonly RateLimit[];
  /**
   * Added to every window (default 100 ms). Teams counts arrivals, not bookings: a send that leaves on time
   * but arrives a little early relative to an earlier slow one would otherwise land in a full window.
   */
  safetyMarginInMs?: number;
  /** The margin of the tenant window alone (default: safetyMarginInMs). */
  tenantSafetyMarginInMs?: number;
  /**
   * The tenant's limits when they change over time (an instance's rate share): asked at each reservation,
   * instead of perTenantRequestsPerSecond. A limit below 1 books nothing for the tenant (an infinite delay).
   */
  tenantLimitsOf?: (tenantId: string, at: number) => readonly RateLimit[];
  /**
   * Hard bound on remembered conversations (and, separately, tenants); beyond it the least recently used
   * are forgotten even if not idle, which at worst lets Teams answer 429 (handled) for them.
   */
  maxTracked?: number;
}

export interface PacingReservation {
  /** Wait this long before sending (0: send now). */
  delayInMs: number;
  /** Whether the slot was booked; false when the wait exceeded maxDelayInMs (reschedule instead). */
  booked: boolean;
}

interface PacedKey {
  log: SlidingWindowLog;
  coolDownUntil: number;
}

const defaultMaxTracked = 50_000;
/** How much longer than Teams' windows a conversation's windows are kept (arrival jitter, a send that leaves late). */
export const defaultSafetyMarginInMs = 100;

export class SendPacer {
  private readonly conversationLimits: readonly RateLimit[];
  private readonly tenantLimits: readonly RateLimit[];
  private readonly tenantLimitsOf: ((tenantId: string, at: number) => readonly RateLimit[]) | undefined;
  private readonly conversationHorizonInMs: number;
  private readonly tenantHorizonInMs: number;
  private readonly maxTracked: number;
  private readonly conversations = new Map<string, PacedKey>();
  private readonly tenants = new Map<string, PacedKey>();
  /** Clocks may step back a little; bookkeeping never does, so forgetting old bookings stays safe. */
  private clock = Number.NEGATIVE_INFINITY;

  constructor(options: SendPacerOptions) {
    const margin = Math.max(0, options.safetyMarginInMs ?? defaultSafetyMarginInMs);
    const tenantMargin = Math.max(0, options.tenantSafetyMarginInMs ?? margin);
    const widen = (limits: readonly RateLimit[], by: number): RateLimit[] => limits.map((l) => ({ limit: l.limit, windowInMs: l.windowInMs + by }));
    this.conversationLimits = widen(options.perConversationLimits ?? teamsPerConversationLimits, margin);
    this.tenantLimits = widen([{ limit: Math.max(1, Math.floor(options.perTenantRequestsPerSecond)), windowInMs: 1_000 }], tenantMargin);
    this.conversationHorizonInMs = longestWindow(this.conversationLimits);
    this.tenantLimitsOf = options.tenantLimitsOf;
    // A tenant's log is kept for its longest window; limits that change over time keep theirs within 1 s and a margin.
    this.tenantHorizonInMs = Math.max(longestWindow(this.tenantLimits), this.tenantLimitsOf === undefined ? 0 : 1_000 + tenantMargin);
    this.maxTracked = Math.max(1, options.maxTracked ?? defaultMaxTracked);
  }

  /** How long until a send to this conversation would be allowed; books nothing. */
  delayFor(tenantId: string, conversationId: string, now: Date): number {
    const at = this.tick(now);
    return this.earliest(this.conversations.get(conversationId), this.tenants.get(tenantId), at, this.limitsOf(tenantId, at)) - at;
  }

  /**
   * Books the earliest allowed slot and returns how long to wait for it. With maxDelayInMs, a slot further
   * away is not booked (it would hold capacity nobody uses) and the caller should reschedule the delivery.
   */
  reserve(tenantId: string, conversationId: string, now: Date, maxDelayInMs = Number.POSITIVE_INFINITY, notBefore = Number.NEGATIVE_INFINITY): PacingReservation {
    const at = this.tick(now);
    const conversation = this.touch(this.conversations, conversationId, at, this.conversationHorizonInMs);
    const tenant = this.touch(this.tenants, tenantId, at, this.tenantHorizonInMs);
    const from = Math.max(at, notBefore);
    const slot = this.earliest(conversation, tenant, from, this.limitsOf(tenantId, from));
    if (!Number.isFinite(slot)) return { delayInMs: Number.POSITIVE_INFINITY, booked: false };
    const delayInMs = slot - at;
    if (delayInMs > maxDelayInMs) return { delayInMs, booked: false };
    conversation.log.book(slot);
    tenant.log.book(slot);
    return { delayInMs, booked: true };
  }

  /** Hands back a slot booked at `slotAt` (a rescheduled copy that re-reserves, or a slot the tenant budget refused). */
  release(tenantId: string, conversationId: string, slotAt: number): void {
    this.releaseConversation(conversationId, slotAt);
    this.releaseTenant(tenantId, slotAt);
  }

  /** Hands back the conversation's booking at `slotAt` alone (reserveConversation's, or one moved to a later slot). */
  releaseConversation(conversationId: string, slotAt: number): void {
    this.conversations.get(conversationId)?.log.unbook(slotAt);
  }

  /** Hands back the tenant's booking at `slotAt` alone. */
  releaseTenant(tenantId: string, slotAt: number): void {
    this.tenants.get(tenantId)?.log.unbook(slotAt);
  }

  /** Whether this pacer holds a booking for the conversation at exactly `slotAt` (a rescheduled copy's own slot). */
  holds(conversationId: string, slotAt: number): boolean {
    return this.conversations.get(conversationId)?.log.has(slotAt) ?? false;
  }

  /**
   * Books the earliest slot the conversation's windows allow at or after `notBefore`, within `maxDelayInMs`, without
   * booking the tenant: for a copy whose tenant slot another instance booked (its tenant limit is kept elsewhere).
   * Undefined when that slot is further away.
   */
  reserveConversation(conversationId: string, now: Date, notBefore: number, maxDelayInMs: number): number | undefined {
    const at = this.tick(now);
    const conversation = this.touch(this.conversations, conversationId, at, this.conversationHorizonInMs);
    const slot = this.earliest(conversation, undefined, Math.max(at, notBefore), this.tenantLimits);
    if (slot - at > maxDelayInMs) return undefined;
    conversation.log.book(slot);
    return slot;
  }

  /** After a 429: no conversation of the tenant is paced before now + retryAfterInMs. */
  coolDownTenant(tenantId: string, retryAfterInMs: number, now: Date): void {
    const at = this.tick(now);
    const tenant = this.touch(this.tenants, tenantId, at, this.tenantHorizonInMs);
    tenant.coolDownUntil = Math.max(tenant.coolDownUntil, at + Math.max(0, retryAfterInMs));
  }

  /** Until when the tenant cools down after a 429 (epoch ms); -Infinity when it does not. */
  tenantCoolDownUntil(tenantId: string): number {
    return this.tenants.get(tenantId)?.coolDownUntil ?? Number.NEGATIVE_INFINITY;
  }

  /** After a 429 that concerns one thread only. */
  coolDownConversation(conversationId: string, retryAfterInMs: number, now: Date): void {
    const at = this.tick(now);
    const conversation = this.touch(this.conversations, conversationId, at, this.conversationHorizonInMs);
    conversation.coolDownUntil = Math.max(conversation.coolDownUntil, at + Math.max(0, retryAfterInMs));
  }

  /** Conversations currently remembered (for tests and metrics). */
  get trackedConversations(): number {
    return this.conversations.size;
  }

  get trackedTenants(): number {
    return this.tenants.size;
  }

  private limitsOf(tenantId: string, at: number): readonly RateLimit[] {
    return this.tenantLimitsOf?.(tenantId, at) ?? this.tenantLimits;
  }

  private earliest(conversation: PacedKey | undefined, tenant: PacedKey | undefined, at: number, tenantLimits: readonly RateLimit[]): number {
    let t = Math.max(at, conversation?.coolDownUntil ?? at, tenant?.coolDownUntil ?? at);
    // Each log only moves t later; stop when both accept the same time.
    for (;;) {
      let next = t;
      if (conversation !== undefined) next = conversation.log.earliestAllowed(next, this.conversationLimits);
      if (tenant !== undefined) next = tenant.log.earliestAllowed(next, tenantLimits);
      if (next === t || !Number.isFinite(next)) return next;
      t = next;
    }
  }

  private tick(now: Date): number {
    const time = now.getTime();
    if (Number.isFinite(time) && time > this.clock) this.clock = time;
    return Number.isFinite(this.clock) ? this.clock : 0;
  }

  /** Gets (or creates) a key as most recently used, and forgets idle or excess keys from the other end. */
  private touch(keys: Map<string, PacedKey>, id: string, at: number, horizonInMs: number): PacedKey {
    let key = keys.get(id);
    if (key === undefined) key = { log: new SlidingWindowLog(), coolDownUntil: Number.NEGATIVE_INFINITY };
    else keys.delete(id);
    keys.set(id, key);
    key.log.forgetThrough(at - horizonInMs);
    // Map iteration is insertion order, so the first keys are the least recently used.
    for (const [oldId, old] of keys) {
      const idle = old.log.latest <= at - horizonInMs && old.coolDownUntil <= at;
      if (oldId === id || (!idle && keys.size <= this.maxTracked)) break;
      keys.delete(oldId);
    }
    return key;
  }
}

function longestWindow(limits: readonly RateLimit[]): number {
  return limits.reduce((longest, l) => Math.max(longest, l.windowInMs), 0);
}
