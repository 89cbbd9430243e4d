import { parseRetryAfter } from '../delivery/retryAfter';

/**
 * When a callback is tried again. 8 attempts over 30 to 45 minutes: 30 s doubling to a 15-minute cap, each
 * delay drawn from its upper half (jitter, so receivers coming back are not hit by every gateway at once).
 */
export const maxCallbackAttempts = 8;
export const callbackRetryBaseInMs = 30_000;
const maxDelayInMs = 15 * 60_000;
/** A Retry-After is honoured within these bounds; outside them the backoff applies. */
const minRetryAfterInMs = 1_000;

/** Delay before attempt `attempt + 1`; `random` in [0, 1). Pure. */
export function callbackRetryDelay(attempt: number, random: number, baseInMs = callbackRetryBaseInMs): number {
  const ceiling = Math.min(maxDelayInMs, baseInMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** What one POST's answer means for the event. */
export type CallbackAnswer =
  | { kind: 'delivered' }
  | { kind: 'retry'; code: string; retryAfterInMs?: number }
  | { kind: 'failed'; code: string };

/**
 * 2xx delivered; 408, 429 and 5xx retried (429 and 503 with their Retry-After within bounds); anything else
 * final, redirects included (they are never followed: a redirect could point anywhere). Pure.
 */
export function classifyCallbackAnswer(status: number, retryAfter: string | undefined, now: Date): CallbackAnswer {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 408 || status === 429 || status >= 500) {
    const hinted = parseRetryAfter(retryAfter, now);
    const code = `HTTP_${status}`;
    return hinted !== undefined && hinted >= minRetryAfterInMs && hinted <= maxDelayInMs ? { kind: 'retry', code, retryAfterInMs: hinted } : { kind: 'retry', code };
  }
  return { kind: 'failed', code: status >= 300 && status < 400 ? 'REDIRECT_NOT_FOLLOWED' : `HTTP_${status}` };
}
