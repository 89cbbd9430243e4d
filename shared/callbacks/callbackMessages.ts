import { type QueuedDelivery } from '../queue/deliveryQueue';

/**
 * The queue messages of status callbacks, in the session `callback:<notificationId>` (deliveryKey), with
 * deterministic messageIds so duplicate detection keeps each one single. Pure.
 */

/** Width of a check's time bucket: a broadcast finishing thousands of deliveries raises one check per bucket. */
export const callbackCheckBucketInMs = 5_000;
/** A check runs this long after its bucket ends, so every final state written in the bucket is visible to it. */
const checkDelayInMs = 1_000;

/**
 * A check whether the notification has reached its final state. Raised after a state was written, it runs
 * after the end of the bucket it was raised in: whatever was final before any raise of that bucket is seen.
 */
export function callbackCheckMessage(notificationId: string, now: Date): QueuedDelivery {
  const bucket = Math.floor(now.getTime() / callbackCheckBucketInMs);
  return {
    body: { version: 1, notificationId, operation: 'callbackCheck', attempt: 1, revision: 0, callbackCheck: { bucket } },
    notBefore: new Date((bucket + 1) * callbackCheckBucketInMs + checkDelayInMs),
  };
}

/** Attempt `attempt` of an event's POST; a retry is the next attempt, scheduled at `notBefore`. */
export function callbackEventMessage(notificationId: string, eventId: string, attempt: number, notBefore?: Date): QueuedDelivery {
  const body = { version: 1 as const, notificationId, operation: 'callback' as const, attempt, revision: 0, callbackEvent: { eventId } };
  return notBefore === undefined ? { body } : { body, notBefore };
}
