import { SlidingWindowLog } from './slidingWindowLog';

/** Idle tenants' logs are dropped every this many bookings. */
const forgetIdleEvery = 1024;

/** A request's place in the departure gate (DeliveryPacer.depart). */
export interface Departure {
  /** When it may leave, epoch ms. */
  at: number;
  /**
   * Teams answered it at `at` (epoch ms): it arrived no later, so from now on it counts from then instead of
   * from its departure. Called again for a second request on the same departure, it moves to the later answer.
   */
  landed(at: number): void;
}

/**
 * Times booked per tenant, at most a limit per sliding window. The shared pacer keeps two: the moments its
 * requests leave and are answered (the departure gate, DeliveryPacer.depart), and the return times promised to
 * copies it rescheduled (so they do not all come back at once).
 */
export class TenantBookings {
  private readonly logs = new Map<string, SlidingWindowLog>();
  private booked = 0;

  constructor(private readonly windowInMs: number) {}

  /**
   * Books the earliest time at or after `from` (epoch ms) that keeps `limit` per window, and returns it.
   * Bookings a window older than `now` are forgotten.
   */
  book(tenantId: string, from: number, limit: number, now: number = from): number {
    if (++this.booked % forgetIdleEvery === 0) this.forgetIdle(now);
    let log = this.logs.get(tenantId);
    if (log === undefined) {
      log = new SlidingWindowLog();
      this.logs.set(tenantId, log);
    }
    log.forgetThrough(now - this.windowInMs);
    const at = log.earliestAllowed(from, [{ limit, windowInMs: this.windowInMs }]);
    log.book(at);
    return at;
  }

  /**
   * Books a departure (as `book`) that moves to the time Teams answers it. Teams counts a request when it
   * arrives, somewhere between leaving and the answer; counted from its answer, a request that took long on
   * the way (a new TLS connection, a busy machine) holds the next window's requests back by as much, and the
   * window needs no margin for arrival jitter. A request still unanswered counts from when it left: one in
   * flight for longer than a window (a timeout) can let another through early, and a 429 is retried.
   */
  depart(tenantId: string, now: number, limit: number): Departure {
    let booked = this.book(tenantId, now, limit);
    return {
      at: booked,
      landed: (at) => {
        if (at > booked && this.move(tenantId, booked, at)) booked = at;
      },
    };
  }

  /**
   * Moves a booking from `from` to `to` (a request that left at `from` and was answered at `to`: it reached
   * Teams no later than that). No limit is checked: it is a fact, not a request. False when `from` is not booked.
   */
  move(tenantId: string, from: number, to: number): boolean {
    const log = this.logs.get(tenantId);
    if (log === undefined || !log.unbook(from)) return false;
    log.book(to);
    return true;
  }

  /** Bookings for the tenant in the window before `now`, and any later. */
  recent(tenantId: string, now: number): number {
    const log = this.logs.get(tenantId);
    if (log === undefined) return 0;
    log.forgetThrough(now - this.windowInMs);
    return log.size;
  }

  /** Drops the logs of tenants with nothing booked in the last window. */
  private forgetIdle(now: number): void {
    for (const [tenantId, log] of this.logs) if (log.latest <= now - this.windowInMs) this.logs.delete(tenantId);
  }
}
