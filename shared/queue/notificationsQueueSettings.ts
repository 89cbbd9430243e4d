/**
 * The `notifications` queue's properties as deployed (infra/main.bicep `notificationsQueueSettings` and
 * infra/modules/serviceBus.bicep). The local host's in-process queue is built with exactly these, so a local run
 * redelivers, dead-letters and drops duplicates as Azure does; a unit test fails when they drift from the Bicep.
 */
export const notificationsQueueSettings = {
  requiresSession: true,
  /** PT1M: longer than one send can take; the Functions host renews it while the function runs. */
  lockDurationInMs: 60_000,
  /** Crash retries only: the gateway reschedules its own retries as new messages. */
  maxDeliveryCount: 5,
  /** P1D: an undelivered notification is stale after a day and is dead-lettered as expired. */
  defaultMessageTimeToLiveInMs: 24 * 3_600_000,
  deadLetteringOnMessageExpiration: true,
  /** PT1H: covers a caller's retries of the same POST. */
  duplicateDetectionWindowInMs: 3_600_000,
} as const;
