import { z } from 'zod';

/**
 * Untidy answers Teams (or a proxy in front of it) also gives: a 429 without Retry-After, a 429 whose
 * Retry-After is an HTTP-date, a 502 with an HTML page, a 503 with an empty body.
 */
function untidyFaultKinds() {
  return ['429NoRetryAfter', '429HttpDate', '502Html', '503Empty'] as const;
}

/**
 * Failures the Connector API can be told to produce, in the order a draw walks them. Status codes are answered
 * at once with Teams' body and the request is not applied; `slow` applies it and answers after `slowDelayInMs`;
 * `hung` never answers and does not apply it; `reset` applies it and then drops the connection unanswered (the
 * client cannot know it arrived, so a retry shows up as a duplicate).
 */
export const connectorFaultKinds = ['429', '500', '502', '503', '504', '412', '401', 'slow', 'hung', 'reset', ...untidyFaultKinds()] as const;
export type ConnectorFault = (typeof connectorFaultKinds)[number];

/** Failures of the Entra-style token endpoint, as AAD answers them. */
export const tokenFaultKinds = ['temporarily_unavailable', 'invalid_client', 'slow'] as const;
export type TokenFault = (typeof tokenFaultKinds)[number];

export interface FaultPlan {
  rates: Partial<Record<ConnectorFault, number>>;
  token: Partial<Record<TokenFault, number>>;
  slowDelayInMs: number;
  seed: number;
}

export const noFaults: FaultPlan = { rates: {}, token: {}, slowDelayInMs: 3000, seed: 1 };

const rate = z.number().min(0).max(1);
const ratesSum = (rates: Record<string, number | undefined>): number => Object.values(rates).reduce<number>((sum, r) => sum + (r ?? 0), 0);

/** `PUT /_control/faults` body; replaces the whole plan. Rates are probabilities per request and may not add up past 1. */
export const faultPlanSchema = z
  .object({
    rates: z
      .object({
        '429': rate,
        '500': rate,
        '502': rate,
        '503': rate,
        '504': rate,
        '412': rate,
        '401': rate,
        slow: rate,
        hung: rate,
        reset: rate,
        '429NoRetryAfter': rate,
        '429HttpDate': rate,
        '502Html': rate,
        '503Empty': rate,
      })
      .partial()
      .strict()
      .refine((r) => ratesSum(r) <= 1, 'rates add up to more than 1')
      .default({}),
    token: z
      .object({ temporarily_unavailable: rate, invalid_client: rate, slow: rate })
      .partial()
      .strict()
      .refine((r) => ratesSum(r) <= 1, 'token rates add up to more than 1')
      .default({}),
    slowDelayInMs: z.number().int().min(0).max(600_000).default(noFaults.slowDelayInMs),
    seed: z.number().int().default(noFaults.seed),
  })
  .strict();

/**
 * mulberry32: a tiny seeded PRNG so a fault run repeats exactly. Written by hand because Math.random cannot be
 * seeded and the emulator needs nothing stronger than this.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks the fault that the uniform draw `u` in [0, 1) falls on, walking `kinds` in order; none past the sum of rates. */
export function pickFault<K extends string>(kinds: readonly K[], rates: Partial<Record<K, number>>, u: number): K | undefined {
  let cumulative = 0;
  for (const kind of kinds) {
    cumulative += rates[kind] ?? 0;
    if (u < cumulative) return kind;
  }
  return undefined;
}

/** Draws faults from a plan with one seeded stream per side, so token faults do not shift Connector faults. */
export class FaultInjector {
  private connectorRandom: () => number;
  private tokenRandom: () => number;
  private connectorFaultsOn = false;
  private tokenFaultsOn = false;

  constructor(private plan: FaultPlan = noFaults) {
    this.connectorRandom = seededRandom(plan.seed);
    this.tokenRandom = seededRandom(plan.seed ^ 0x5bd1e995);
    this.setPlan(plan);
  }

  setPlan(plan: FaultPlan): void {
    this.plan = plan;
    this.connectorRandom = seededRandom(plan.seed);
    this.tokenRandom = seededRandom(plan.seed ^ 0x5bd1e995);
    this.connectorFaultsOn = Object.values(plan.rates).some((r) => (r ?? 0) > 0);
    this.tokenFaultsOn = Object.values(plan.token).some((r) => (r ?? 0) > 0);
  }

  getPlan(): FaultPlan {
    return this.plan;
  }

  get slowDelayInMs(): number {
    return this.plan.slowDelayInMs;
  }

  drawConnectorFault(): ConnectorFault | undefined {
    // Without faults the hot path draws nothing, so turning faults on later starts the seeded sequence fresh.
    return this.connectorFaultsOn ? pickFault(connectorFaultKinds, this.plan.rates, this.connectorRandom()) : undefined;
  }

  drawTokenFault(): TokenFault | undefined {
    return this.tokenFaultsOn ? pickFault(tokenFaultKinds, this.plan.token, this.tokenRandom()) : undefined;
  }
}
