import { type QueueClock, type QueueTimer } from '../../../dev/inProcessServiceBus/queueClock';

interface PendingTimer {
  dueAt: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

/** Lets every promise chain that is ready run (handlers, settlements, dispatch), without any real waiting. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A clock that only moves when told to, firing due timers in order and letting promises settle after each. */
export class ManualQueueClock implements QueueClock {
  private current: number;
  private timers: PendingTimer[] = [];
  private created = 0;

  constructor(start = Date.parse('2026-03-01T10:00:00.000Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayInMs: number): QueueTimer {
    const timer: PendingTimer = { dueAt: this.current + delayInMs, order: this.created++, callback, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  async advanceBy(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const next = this.timers.filter((t) => t.dueAt <= target).sort((a, b) => a.dueAt - b.dueAt || a.order - b.order)[0];
      if (next === undefined) break;
      this.current = Math.max(this.current, next.dueAt);
      next.cancelled = true;
      next.callback();
      await settle();
    }
    this.current = target;
    await settle();
  }
}
