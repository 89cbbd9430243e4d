/** A timer the clock set; cancelling one that already fired does nothing. */
export interface QueueTimer {
  cancel(): void;
}

/**
 * Time as the in-process queue sees it. Injected so tests drive scheduling, lock expiry, TTL and the
 * duplicate-detection window by moving a manual clock instead of sleeping.
 */
export interface QueueClock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimer(callback: () => void, delayInMs: number): QueueTimer;
}

/** Node's own clock. Timers are unref'd: a queue with only future work must not keep a process alive. */
export const systemQueueClock: QueueClock = {
  now: () => Date.now(),
  setTimer: (callback, delayInMs) => {
    const timer = setTimeout(callback, delayInMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
