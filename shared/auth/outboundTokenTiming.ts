/**
 * When a cached bot token is refreshed and when it is no longer served: pure functions of the token and the
 * clock. Tokens live 60–90 minutes (random per token), so refreshing late is the field's intermittent 401.
 */
export interface TokenLifetimePlan {
  acquiredAt: number;
  /** From here on the cached token is still served while one refresh runs in the background. */
  refreshAt: number;
  /** From here on the token is not served: callers wait for a new one (it must still be valid on arrival). */
  usableUntil: number;
  expiresOn: number;
}

export type TokenFreshness = 'fresh' | 'refreshDue' | 'unusable';

const minute = 60_000;
/** A long-lived token is refreshed at least this long before it expires. */
export const refreshBeforeExpiryInMs = 5 * minute;
/** A token is never sent this close to its expiry (clock skew, time in flight). */
export const expiryMarginInMs = 30_000;

/**
 * Refresh at the credential's `refreshAfterTimestamp` when it gives one, else at half-life; never later than
 * 5 minutes before expiry (for tokens shorter than 10 minutes, half-life is the earliest sane point).
 */
export function planTokenLifetime(token: { expiresOnTimestamp: number; refreshAfterTimestamp?: number }, acquiredAt: number): TokenLifetimePlan {
  const expiresOn = token.expiresOnTimestamp;
  const lifetime = Math.max(0, expiresOn - acquiredAt);
  const halfLife = acquiredAt + lifetime / 2;
  const hint = token.refreshAfterTimestamp;
  const suggested = hint !== undefined && hint > acquiredAt && hint < expiresOn ? hint : halfLife;
  const latest = Math.max(expiresOn - refreshBeforeExpiryInMs, halfLife);
  const usableUntil = expiresOn - Math.min(expiryMarginInMs, lifetime / 10);
  return { acquiredAt, refreshAt: Math.min(suggested, latest, usableUntil), usableUntil, expiresOn };
}

export function tokenFreshness(plan: TokenLifetimePlan, now: number): TokenFreshness {
  if (now >= plan.usableUntil) return 'unusable';
  return now >= plan.refreshAt ? 'refreshDue' : 'fresh';
}

/**
 * After a background refresh failed, the next one waits this long (the cached token is still good), so a
 * struggling identity endpoint sees one request per interval instead of one per send.
 */
export function backgroundRetryDelayInMs(plan: TokenLifetimePlan): number {
  const lifetime = plan.expiresOn - plan.acquiredAt;
  return Math.min(30_000, Math.max(1_000, lifetime / 20));
}
