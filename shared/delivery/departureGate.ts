import { SlidingWindowLog } from './slidingWindowLog';

/** Idle tenants' logs are dropped every this many departures. */
const forgetIdleEvery = 1024;

/**
 * The last check before a request leaves for Teams: this process's own requests to one tenant, at the moments
 * they actually leave, stay within the tenant's limit per window. Slots keep the limit in slot time, but Teams
 * counts arrivals: a send that wakes late (a busy event loop) leaves with the sends of later slots, and the
 * sends of the next window, on time, then share a second with it. Held to its departure a window after the
 * late one, the next window's send arrives late by as much instead of turning that lateness into a 429.
 * With the shared budget this covers only what this instance sends; the slots cover the sum of all of them.
 */
export class DepartureGate {
  private readonly logs = new Map<string, SlidingWindowLog>();
  private booked = 0;

  constructor(private readonly windowInMs: number) {}

  /** Books a departure for the tenant at or after `now` (epoch ms) within `limit` per window; when it may leave. */
  book(tenantId: string, now: number, limit: number): number {
    if (++this.booked % forgetIdleEvery === 0) this.forgetIdle(now);
    let log = this.logs.get(tenantId);
    if (log === undefined) {
      log = new SlidingWindowLog();
      this.logs.set(tenantId, log);
    }
    log.forgetThrough(now - this.windowInMs);
    const at = log.earliestAllowed(now, [{ limit, windowInMs: this.windowInMs }]);
    log.book(at);
    return at;
  }

  /** This process's departures to the tenant in the window before `now` (booked ones still to leave included). */
  recent(tenantId: string, now: number): number {
    const log = this.logs.get(tenantId);
    if (log === undefined) return 0;
    log.forgetThrough(now - this.windowInMs);
    return log.size;
  }

  /** Drops the logs of tenants with no departure in the last window. */
  private forgetIdle(now: number): void {
    for (const [tenantId, log] of this.logs) if (log.latest <= now - this.windowInMs) this.logs.delete(tenantId);
  }
}
