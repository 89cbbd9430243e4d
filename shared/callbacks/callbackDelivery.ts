import { type DeliveryQueue } from '../queue/deliveryQueue';
import { type CallbackAttempt, type CallbackEventRecord } from './callbackEvent';
import { type CallbackEventStore } from './callbackEventStore';
import { callbackEventMessage } from './callbackMessages';
import { type CallbackPoster, type PostResult } from './callbackPoster';
import { type CallbackAnswer, callbackRetryDelay, classifyCallbackAnswer, maxCallbackAttempts } from './callbackRetry';

export interface CallbackDeliveryServices {
  events: CallbackEventStore;
  queue: DeliveryQueue;
  post: CallbackPoster;
  now: () => Date;
  random?: () => number;
  /** First retry delay (callbackRetry.ts default 30 s). */
  retryBaseInMs?: number;
}

/**
 * A `callback` message: one POST of one event, recorded on the event's row (each attempt with its time and
 * answer), then the next attempt scheduled on the queue if it is to be retried. The message is always
 * completed: a receiver's trouble stays on the event's row and never touches a delivery. The row is written
 * before the retry is queued; a redelivered message finds the attempt recorded and only re-queues the retry
 * (the same messageId, so never twice).
 */
export async function runCallbackDelivery(notificationId: string, eventId: string, attempt: number, services: CallbackDeliveryServices): Promise<string> {
  const event = await services.events.getEvent(notificationId, eventId);
  if (event === undefined) return `callback ${eventId} of ${notificationId} is not stored; nothing to send`;
  if (event.state !== 'pending') return `callback ${eventId} is ${event.state}; attempt ${attempt} is not needed`;
  if (event.attempts.length >= attempt) {
    await requeueRetry(event, services.queue);
    return `callback ${eventId} attempt ${attempt} was made already`;
  }
  const now = services.now();
  const result = await services.post(event.url, eventId, event.bodyJson, now);
  const answer = answerOf(result, now);
  const recorded: CallbackAttempt = { at: now.toISOString(), outcome: answer.kind };
  if (result.kind === 'answered') recorded.status = result.status;
  if (answer.kind !== 'delivered') recorded.code = answer.code;
  const next = nextEventState(event, recorded, answer, attempt, now, services.random ?? Math.random, services.retryBaseInMs);
  const written = await services.events.replaceEvent(next);
  if (written === undefined) return `callback ${eventId} changed while attempt ${attempt} was made; the other writer's state stands`;
  await requeueRetry(written, services.queue);
  return `callback ${eventId} attempt ${attempt}: ${recorded.outcome}${recorded.code === undefined ? '' : ` (${recorded.code})`}`;
}

/** What a POST's result means: an address refusal is final (the host resolves the same next time). */
export function answerOf(result: PostResult, now: Date): CallbackAnswer {
  if (result.kind === 'answered') return classifyCallbackAnswer(result.status, result.retryAfter, now);
  if (result.kind === 'refused') return { kind: 'failed', code: result.code };
  return { kind: 'retry', code: result.code };
}

/** The event after one attempt: delivered, failed (final, or out of attempts), or pending with the next attempt's time. Pure. */
export function nextEventState(
  event: CallbackEventRecord,
  recorded: CallbackAttempt,
  answer: CallbackAnswer,
  attempt: number,
  now: Date,
  random: () => number,
  retryBaseInMs?: number,
): CallbackEventRecord {
  const exhausted = answer.kind === 'retry' && attempt >= maxCallbackAttempts;
  const last: CallbackAttempt = exhausted ? { ...recorded, outcome: 'failed' } : recorded;
  const { nextAttemptAt: _previous, ...rest } = event;
  const base = { ...rest, attempts: [...event.attempts, last], updatedAt: now.toISOString() };
  if (answer.kind === 'delivered') return { ...base, state: 'delivered' };
  if (answer.kind === 'failed' || exhausted) return { ...base, state: 'failed' };
  const delay = answer.retryAfterInMs ?? callbackRetryDelay(attempt, random(), retryBaseInMs);
  return { ...base, state: 'pending', nextAttemptAt: new Date(now.getTime() + delay).toISOString() };
}

async function requeueRetry(event: CallbackEventRecord, queue: DeliveryQueue): Promise<void> {
  if (event.state !== 'pending' || event.nextAttemptAt === undefined) return;
  await queue.enqueue([callbackEventMessage(event.notificationId, event.eventId, event.attempts.length + 1, new Date(event.nextAttemptAt))]);
}
