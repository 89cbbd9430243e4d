import { SlidingWindowLog } from './slidingWindowLog';

/** Idle tenants' logs are dropped every this many bookings. */
const forgetIdleEvery = 1024;

/**
 * Times booked per tenant, at most a limit per sliding window. The shared pacer keeps two: the moments its
 * requests actually leave (the departure gate, DeliveryPacer.departAt), and the return times promised to
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
