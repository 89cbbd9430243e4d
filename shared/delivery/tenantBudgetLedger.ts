import { type RateLimit, SlidingWindowLog } from './slidingWindowLog';

/**
 * One tenant's send budget as every instance shares it (the functional core; the row lives in Table Storage,
 * see sharedTenantBudget.ts). Teams limits a bot to 50 requests per second per tenant however many machines
 * send, so instances lease send slots from one sliding-window log: a lease books the earliest free slots, never
 * further ahead than a short horizon, so an instance that dies loses what it held within a window or two. The
 * same row carries what Teams last said: a 429 heard by any instance cools the tenant down for all and lowers
 * its limit, which creeps back to the configured ceiling while Teams stays quiet.
 */
export interface TenantBudgetState {
  /** Slots granted to any instance that can still share a window with a new one, ascending (epoch ms). */
  granted: readonly number[];
  /** No slot before this (epoch ms): the latest Retry-After any instance heard. */
  coolDownUntil: number;
  /** The limit a 429 set, and when; absent once the limit has crept back to the ceiling. */
  throttled?: { limit: number; at: number };
  /** The instance that leased last, and when. */
  lessee?: { id: string; at: number };
  /** Until when (epoch ms) more than one instance is leasing: slots keep the wider window (windowInMs). */
  sharedUntil?: number;
}

export interface TenantBudgetPolicy {
  /** Requests per window at most (PerTenantRequestsPerSecond: Teams' 50). */
  ceiling: number;
  /**
   * Teams' 1 s window plus a margin for arrival jitter between instances: while several lease, each one's
   * departure gate sees only its own requests, and the slots must absorb how unevenly theirs arrive.
   */
  windowInMs: number;
  /**
   * The window while one instance leases alone: its departure gate counts every request to the tenant from
   * Teams' answer (DeliveryPacer.depart), so the slots need only a little more than Teams' 1 s.
   */
  soloWindowInMs: number;
  /**
   * Another instance's lease this recent makes the tenant shared (and keeps it so for as long again); the
   * first lease after this long without one keeps the shared window for its own slots.
   */
  sharedForInMs: number;
  /** How far ahead a lease may book: what a dying instance can take with it. */
  horizonInMs: number;
  /**
   * Slots start this far after the lease is decided: the lease's own write takes time, and a slot that has
   * passed when it reaches its instance would be sent late, bunching with the slots granted after it.
   */
  leadInMs: number;
  /**
   * A window's sends go in small groups (at most `limit` per `windowInMs`) rather than all at one instant: a
   * burst of a whole window queues behind itself and reaches Teams spread out, so it overlaps the next burst a
   * window later. The groups follow each other faster than the window's average rate, so the window's share
   * still goes early, as Teams allows, and the rest of the window stays quiet. Absent: one burst per window.
   */
  groups?: RateLimit;
  /** After a 429 the limit drops to this share of what it was. */
  backoffFactor: number;
  /** While Teams stays quiet, the limit grows by one request per window this often. */
  recoveryStepInMs: number;
}

export interface TenantLease {
  /** Granted slot times, ascending (possibly several at the same time: a window may start with a burst). */
  slots: number[];
  /** Earliest time a further slot would be free; for rescheduling when none was granted. */
  nextFreeAt: number;
  state: TenantBudgetState;
}

export const emptyTenantBudget: TenantBudgetState = { granted: [], coolDownUntil: 0 };

/** The limit in force: the ceiling, or what a 429 set plus one per quiet recovery step. */
export function currentLimit(state: TenantBudgetState, policy: TenantBudgetPolicy, now: number): number {
  if (state.throttled === undefined) return policy.ceiling;
  const quietSteps = Math.floor(Math.max(0, now - state.throttled.at) / policy.recoveryStepInMs);
  return Math.min(policy.ceiling, state.throttled.limit + quietSteps);
}

/** What a lease asks for besides how many slots. */
export interface LeaseRequest {
  /**
   * The sends waiting want nothing earlier (their conversation's own slot is later), and a slot before it would
   * go unused while they wait for a later one.
   */
  notBefore?: number;
  /**
   * At least this far apart: slots for sends still to come at a trickle, one lease serving the next second's
   * few sends instead of one lease (one Table write) per send. Absent: the earliest free slots.
   */
  spacingInMs?: number;
  /** The leasing instance; absent, the lease counts as shared (the wider window). */
  lessee?: string;
}

/** Books up to `want` slots from now (after any cool-down), none at or beyond now + horizon. */
export function leaseSlots(state: TenantBudgetState, policy: TenantBudgetPolicy, now: number, want: number, request: LeaseRequest = {}): TenantLease {
  const { lessee } = request;
  // Alone only once this instance has leased recently and nobody else has. A lease after a quiet spell may be
  // the first of several instances starting one broadcast together: its slots (one horizon) keep the wide window.
  const recent = state.lessee !== undefined && now - state.lessee.at < policy.sharedForInMs;
  const alone = lessee !== undefined && recent && state.lessee?.id === lessee;
  const sharedUntil = alone ? state.sharedUntil : now + (recent || lessee === undefined ? policy.sharedForInMs : policy.leadInMs + policy.horizonInMs);
  const windowInMs = sharedUntil !== undefined && sharedUntil > now ? policy.windowInMs : policy.soloWindowInMs;
  const limits = windowLimits(currentLimit(state, policy, now), policy, windowInMs);
  const log = new SlidingWindowLog();
  for (const t of state.granted) if (t > now - policy.windowInMs) log.book(t);
  const earliest = Math.max(now + policy.leadInMs, state.coolDownUntil);
  const spacing = Math.max(0, request.spacingInMs ?? 0);
  const slots: number[] = [];
  let t = Math.max(earliest, request.notBefore ?? Number.NEGATIVE_INFINITY);
  while (slots.length < want) {
    t = log.earliestAllowed(t, limits);
    if (t >= now + policy.leadInMs + policy.horizonInMs) break;
    log.book(t);
    slots.push(t);
    t += spacing;
  }
  // For anyone, not only these sends: a lease that wanted later slots than the horizon holds is not a full window.
  const nextFreeAt = log.earliestAllowed(earliest, limits);
  const granted = state.granted.filter((g) => g > now - policy.windowInMs).concat(slots).sort((a, b) => a - b);
  const next: TenantBudgetState = { ...state, granted, ...(lessee === undefined ? {} : { lessee: { id: lessee, at: now } }) };
  if (sharedUntil !== undefined && sharedUntil > now) next.sharedUntil = sharedUntil;
  else delete next.sharedUntil;
  return { slots, nextFreeAt, state: settled(next, policy, now) };
}

/**
 * A 429 from Teams: nobody sends to the tenant before Retry-After, and the limit drops. The 429s of one burst
 * are one signal: those heard within a window of the last drop only extend the cool-down.
 */
export function recordThrottle(state: TenantBudgetState, policy: TenantBudgetPolicy, now: number, retryAfterInMs: number): TenantBudgetState {
  const coolDownUntil = Math.max(state.coolDownUntil, now + Math.max(0, retryAfterInMs));
  if (state.throttled !== undefined && now - state.throttled.at < policy.windowInMs) return { ...state, coolDownUntil };
  const limit = Math.max(1, Math.floor(currentLimit(state, policy, now) * policy.backoffFactor));
  return { ...state, coolDownUntil, throttled: { limit, at: now } };
}

function windowLimits(limit: number, policy: TenantBudgetPolicy, windowInMs: number): RateLimit[] {
  const window: RateLimit = { limit, windowInMs };
  return policy.groups === undefined ? [window] : [window, { limit: Math.min(limit, policy.groups.limit), windowInMs: policy.groups.windowInMs }];
}

/** Drops the throttle record once the limit is back at the ceiling, so the row stays small. */
function settled(state: TenantBudgetState, policy: TenantBudgetPolicy, now: number): TenantBudgetState {
  if (state.throttled === undefined || currentLimit(state, policy, now) < policy.ceiling) return state;
  const { throttled: _done, ...rest } = state;
  return rest;
}
