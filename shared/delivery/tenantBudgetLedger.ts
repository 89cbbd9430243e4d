import { type RateShare, type RateSharePolicy } from './tenantRateShares';

/**
 * One tenant's send budget as every instance shares it (the functional core; the row lives in Table Storage,
 * see sharedTenantBudget.ts). Teams limits a bot to 50 requests per second per tenant however many machines
 * send, so each instance sending to the tenant holds a part of that limit (tenantRateShares.ts). The same row
 * carries what Teams last said: a 429 heard by any instance cools the tenant down for all and lowers its
 * limit, which creeps back to the configured ceiling while Teams stays quiet.
 */
export interface TenantBudgetState {
  /** No request before this (epoch ms): the latest Retry-After any instance heard. */
  coolDownUntil: number;
  /** The limit a 429 set, and when; absent once the limit has crept back to the ceiling. */
  throttled?: { limit: number; at: number };
  /** Each sending instance's part of the limit, by instance id. */
  shares?: Readonly<Record<string, RateShare>>;
}

export interface TenantBudgetPolicy {
  /** Requests per second at most (PerTenantRequestsPerSecond: Teams' 50). */
  ceiling: number;
  /** After a 429 the limit drops to this share of what it was. */
  backoffFactor: number;
  /** While Teams stays quiet, the limit grows by one request per second this often. */
  recoveryStepInMs: number;
  /** The 429s heard within this long of the last drop are one signal (one burst). */
  throttleBurstInMs: number;
  shares: RateSharePolicy;
}

export const emptyTenantBudget: TenantBudgetState = { coolDownUntil: 0 };

/** The limit in force: the ceiling, or what a 429 set plus one per quiet recovery step. */
export function currentLimit(state: TenantBudgetState, policy: TenantBudgetPolicy, now: number): number {
  if (state.throttled === undefined) return policy.ceiling;
  const quietSteps = Math.floor(Math.max(0, now - state.throttled.at) / policy.recoveryStepInMs);
  return Math.min(policy.ceiling, state.throttled.limit + quietSteps);
}

/**
 * A 429 from Teams: nobody sends to the tenant before Retry-After, and the limit drops. The 429s of one burst
 * are one signal: those heard within throttleBurstInMs of the last drop only extend the cool-down.
 */
export function recordThrottle(state: TenantBudgetState, policy: TenantBudgetPolicy, now: number, retryAfterInMs: number): TenantBudgetState {
  const coolDownUntil = Math.max(state.coolDownUntil, now + Math.max(0, retryAfterInMs));
  if (state.throttled !== undefined && now - state.throttled.at < policy.throttleBurstInMs) return { ...state, coolDownUntil };
  const limit = Math.max(1, Math.floor(currentLimit(state, policy, now) * policy.backoffFactor));
  return { ...state, coolDownUntil, throttled: { limit, at: now } };
}

/** Drops the throttle record once the limit is back at the ceiling, so the row stays small. */
export function settled(state: TenantBudgetState, policy: TenantBudgetPolicy, now: number): TenantBudgetState {
  if (state.throttled === undefined || currentLimit(state, policy, now) < policy.ceiling) return state;
  const { throttled: _done, ...rest } = state;
  return rest;
}
