import { callbackRetryDelay, classifyCallbackAnswer, maxCallbackAttempts } from '../../../shared/callbacks/callbackRetry';

const now = new Date('2026-03-01T10:00:00Z');

describe('callback retry schedule', () => {
  it('doubles from 30 s to a 15-minute cap, each delay in the upper half of its step', () => {
    const low = Array.from({ length: maxCallbackAttempts - 1 }, (_, i) => callbackRetryDelay(i + 1, 0));
    const high = Array.from({ length: maxCallbackAttempts - 1 }, (_, i) => callbackRetryDelay(i + 1, 0.999_999));
    expect(low).toEqual([15_000, 30_000, 60_000, 120_000, 240_000, 450_000, 450_000]);
    expect(high.map((ms) => Math.round(ms / 1000))).toEqual([30, 60, 120, 240, 480, 900, 900]);
  });

  it('spends about three quarters of an hour over all attempts at the middle of the jitter', () => {
    const total = Array.from({ length: maxCallbackAttempts - 1 }, (_, i) => callbackRetryDelay(i + 1, 0.5)).reduce((sum, ms) => sum + ms, 0);
    expect(total / 60_000).toBeGreaterThan(25);
    expect(total / 60_000).toBeLessThan(60);
  });
});

describe("classifying a receiver's answer", () => {
  it.each([200, 201, 202, 204, 299])('%i is delivered', (status) => {
    expect(classifyCallbackAnswer(status, undefined, now)).toEqual({ kind: 'delivered' });
  });

  it.each([408, 429, 500, 502, 503, 504])('%i is retried', (status) => {
    expect(classifyCallbackAnswer(status, undefined, now)).toEqual({ kind: 'retry', code: `HTTP_${status}` });
  });

  it.each([400, 401, 403, 404, 410, 413, 422])('%i is final', (status) => {
    expect(classifyCallbackAnswer(status, undefined, now)).toEqual({ kind: 'failed', code: `HTTP_${status}` });
  });

  it('does not follow a redirect: it is final', () => {
    expect(classifyCallbackAnswer(302, undefined, now)).toEqual({ kind: 'failed', code: 'REDIRECT_NOT_FOLLOWED' });
    expect(classifyCallbackAnswer(307, undefined, now)).toEqual({ kind: 'failed', code: 'REDIRECT_NOT_FOLLOWED' });
  });

  it('honours Retry-After from 1 s to 15 minutes (seconds or an HTTP date), else falls back to the backoff', () => {
    expect(classifyCallbackAnswer(429, '120', now)).toEqual({ kind: 'retry', code: 'HTTP_429', retryAfterInMs: 120_000 });
    expect(classifyCallbackAnswer(503, 'Sun, 01 Mar 2026 10:05:00 GMT', now)).toEqual({ kind: 'retry', code: 'HTTP_503', retryAfterInMs: 300_000 });
    expect(classifyCallbackAnswer(429, '0', now)).toEqual({ kind: 'retry', code: 'HTTP_429' });
    expect(classifyCallbackAnswer(429, '3600', now)).toEqual({ kind: 'retry', code: 'HTTP_429' });
    expect(classifyCallbackAnswer(429, 'soon', now)).toEqual({ kind: 'retry', code: 'HTTP_429' });
  });
});
