import { answerOf, nextEventState } from '../../../shared/callbacks/callbackDelivery';
import { type CallbackAttempt, type CallbackEventRecord, newCallbackEvent } from '../../../shared/callbacks/callbackEvent';
import { maxCallbackAttempts } from '../../../shared/callbacks/callbackRetry';

const now = new Date('2026-03-01T10:00:00Z');
const event: CallbackEventRecord = newCallbackEvent(
  'https://hooks.contoso.com/x',
  { eventId: 'evt_1', type: 'notification.final', notificationId: 'n-1', status: 'completed', at: now.toISOString() },
  now,
);
const attempt = (outcome: CallbackAttempt['outcome'], extra: Partial<CallbackAttempt> = {}): CallbackAttempt => ({ at: now.toISOString(), outcome, ...extra });

describe('what a POST result means', () => {
  it('reads answers, refusals and silence', () => {
    expect(answerOf({ kind: 'answered', status: 204 }, now)).toEqual({ kind: 'delivered' });
    expect(answerOf({ kind: 'answered', status: 503, retryAfter: '5' }, now)).toEqual({ kind: 'retry', code: 'HTTP_503', retryAfterInMs: 5_000 });
    expect(answerOf({ kind: 'refused', code: 'ADDRESS_REFUSED', detail: 'x resolves to a non-public address' }, now)).toEqual({ kind: 'failed', code: 'ADDRESS_REFUSED' });
    expect(answerOf({ kind: 'unreachable', code: 'TIMEOUT' }, now)).toEqual({ kind: 'retry', code: 'TIMEOUT' });
  });
});

describe('the event after an attempt', () => {
  it('is delivered after a 2xx, with the attempt recorded', () => {
    const next = nextEventState(event, attempt('delivered', { status: 200 }), { kind: 'delivered' }, 1, now, () => 0);
    expect(next).toMatchObject({ state: 'delivered', attempts: [{ outcome: 'delivered', status: 200 }] });
    expect(next.nextAttemptAt).toBeUndefined();
  });

  it('waits for the next attempt after a retryable failure: the backoff, or the receiver’s Retry-After', () => {
    const backoff = nextEventState(event, attempt('retry', { status: 500, code: 'HTTP_500' }), { kind: 'retry', code: 'HTTP_500' }, 1, now, () => 0);
    expect(backoff).toMatchObject({ state: 'pending', nextAttemptAt: '2026-03-01T10:00:15.000Z' });
    const hinted = nextEventState(event, attempt('retry'), { kind: 'retry', code: 'HTTP_429', retryAfterInMs: 90_000 }, 1, now, () => 0);
    expect(hinted.nextAttemptAt).toBe('2026-03-01T10:01:30.000Z');
  });

  it('fails at once on a final answer, and after the last attempt on a retryable one', () => {
    expect(nextEventState(event, attempt('failed', { status: 404, code: 'HTTP_404' }), { kind: 'failed', code: 'HTTP_404' }, 1, now, () => 0)).toMatchObject({ state: 'failed' });
    const last = nextEventState(event, attempt('retry', { code: 'TIMEOUT' }), { kind: 'retry', code: 'TIMEOUT' }, maxCallbackAttempts, now, () => 0);
    expect(last).toMatchObject({ state: 'failed', attempts: [{ outcome: 'failed', code: 'TIMEOUT' }] });
    expect(last.nextAttemptAt).toBeUndefined();
  });

  it('clears a waiting time once the next attempt is made', () => {
    const waiting = { ...event, nextAttemptAt: '2026-03-01T09:59:00.000Z', attempts: [attempt('retry')] };
    expect(nextEventState(waiting, attempt('delivered'), { kind: 'delivered' }, 2, now, () => 0)).not.toHaveProperty('nextAttemptAt');
  });
});
