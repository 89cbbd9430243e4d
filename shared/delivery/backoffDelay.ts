import { type DeliverySettings } from '../config';

export type BackoffSettings = Pick<DeliverySettings, 'backoffBaseInMs' | 'backoffMaxInMs'>;

/** Beyond this many doublings every realistic base has long passed any cap; keeps 2 ** n finite. */
const maxDoublings = 40;

/**
 * Exponential backoff with full jitter (uniform in [0, min(cap, base × 2^(attempt−1))]) for the attempt that
 * just failed (1-based). Full jitter spreads a burst of failures (one Teams outage, thousands of deliveries)
 * across the whole window instead of re-synchronising them, and needs no state carried between attempts,
 * unlike decorrelated jitter. `random` is Math.random-shaped; values outside [0, 1] are clamped.
 */
export function backoffDelay(attempt: number, settings: BackoffSettings, random: () => number): number {
  const ceiling = backoffCeiling(attempt, settings);
  return Math.floor(clampUnit(random()) * ceiling);
}

/** The upper bound of backoffDelay for an attempt: min(cap, base × 2^(attempt−1)), never negative. */
export function backoffCeiling(attempt: number, settings: BackoffSettings): number {
  const base = Math.max(0, settings.backoffBaseInMs);
  const cap = Math.max(0, settings.backoffMaxInMs);
  const doublings = Math.min(Math.max(0, Math.floor(attempt) - 1), maxDoublings);
  return Math.min(cap, base * 2 ** doublings);
}

/** A random draw forced into [0, 1]; NaN counts as 0 so a broken source never yields NaN delays. */
export function clampUnit(value: number): number {
  if (!(value > 0)) return 0;
  return value > 1 ? 1 : value;
}
