import { SlidingWindowLog } from './slidingWindowLog';

/** How long after it left an unanswered request keeps counting from the present (holdInFlight): past the request timeout. */
const inFlightHoldInMs = 30_000;
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
  /** Departures not answered yet (depart), every tenant's. */
  private readonly inFlight = new Set<{ tenantId: string; key: number; leftAt: number }>();
  private booked = 0;

  constructor(private readonly windowInMs: number) {}

  /**
   * Books the earliest time at or after `from` (epoch ms) that keeps `limit` per window, and returns it.
   * Bookings a window older than `now` are forgotten.
   */
  book(tenantId: string, from: number, limit: number, now?: number): number;
  book(tenantId: string, from: number, limit: number, now: number, latest: number): number | undefined;
  book(tenantId: string, from: number, limit: number, now: number = from, latest = Number.POSITIVE_INFINITY): number | undefined {
    if (++this.booked % forgetIdleEvery === 0) this.forgetIdle(now);
    let log = this.logs.get(tenantId);
    if (log === undefined) {
      log = new SlidingWindowLog();
      this.logs.set(tenantId, log);
    }
    log.forgetThrough(now - this.windowInMs);
    const at = log.earliestAllowed(from, [{ limit, windowInMs: this.windowInMs }]);
    if (at > latest) return undefined;
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
  depart(tenantId: string, now: number, limit: number): Departure;
  /**
   * From `from` (at or after `now`), no later than `latest`: nothing is booked when the earliest departure
   * would be later (undefined).
   */
  depart(tenantId: string, now: number, limit: number, range: { from: number; latest: number }): Departure | undefined;
  depart(tenantId: string, now: number, limit: number, range = { from: now, latest: Number.POSITIVE_INFINITY }): Departure | undefined {
    this.holdInFlight(tenantId, now);
    const first = this.book(tenantId, Math.max(now, range.from), limit, now, range.latest);
    if (first === undefined) return undefined;
    const entry = { tenantId, key: first, leftAt: first };
    this.inFlight.add(entry);
    return {
      at: first,
      landed: (at) => {
        this.inFlight.delete(entry);
        if (at > entry.key && this.move(tenantId, entry.key, at)) entry.key = at;
      },
    };
  }

  /**
   * A request still unanswered may not have reached Teams yet: it counts from now, not from when it left (a
   * busy machine can hold a request, or its answer, longer than a window). Up to inFlightHoldInMs after it left;
   * one never answered (its outcome lost) then counts from where it was last moved, and ages out.
   */
  private holdInFlight(tenantId: string, now: number): void {
    for (const entry of this.inFlight) {
      if (now - entry.leftAt > inFlightHoldInMs) this.inFlight.delete(entry);
      else if (entry.tenantId === tenantId && entry.key < now && this.move(tenantId, entry.key, now)) entry.key = now;
    }
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

  /** The tenant's latest booking (epoch ms), -Infinity when none is remembered. */
  latest(tenantId: string): number {
    return this.logs.get(tenantId)?.latest ?? Number.NEGATIVE_INFINITY;
  }

  /** Bookings for the tenant in the window before `now`, and any later. */
  recent(tenantId: string, now: number): number {
    const log = this.logs.get(tenantId);
    if (log === undefined) return 0;
    log.forgetThrough(now - this.windowInMs);
    return log.size;
  }

  /**
   * The most bookings for the tenant that any window ending at or after `now` holds, and until when the last of
   * them counts (epoch ms): what this instance's requests may still amount to at Teams.
   */
  peak(tenantId: string, now: number): { count: number; countsUntil: number } {
    const log = this.logs.get(tenantId);
    if (log === undefined) return { count: 0, countsUntil: now };
    log.forgetThrough(now - this.windowInMs);
    return { count: log.peakFrom(now, this.windowInMs), countsUntil: Math.max(now, log.latest + this.windowInMs) };
  }

  /** Drops the logs of tenants with nothing booked in the last window. */
  private forgetIdle(now: number): void {
    for (const [tenantId, log] of this.logs) if (log.latest <= now - this.windowInMs) this.logs.delete(tenantId);
  }
}
