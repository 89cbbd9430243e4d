import { lateSlotToleranceInMs } from '../delivery/deliveryPacer';
import { type RateLimit, SlidingWindowLog } from '../delivery/slidingWindowLog';

/**
 * Graph's Teams service limits for "other API calls" (installs among them): 30 requests per second per app per
 * tenant and 300 per app across tenants (Microsoft Graph throttling limits, Microsoft Teams service limits).
 * The gateway stays under both with a margin, so 429s stay the exception they are for the Connector.
 */
export const graphInstallLimits = {
  perTenant: [{ limit: 20, windowInMs: 1_000 }] as readonly RateLimit[],
  perApp: [{ limit: 200, windowInMs: 1_000 }] as readonly RateLimit[],
};

/** Longest window of the limits: bookings older than this never matter again. */
const horizonInMs = 1_000;

/** In-process booking of Graph install requests per tenant and across tenants, with a cool-down after a 429. */
export class GraphInstallPacer {
  private readonly tenants = new Map<string, SlidingWindowLog>();
  private readonly app = new SlidingWindowLog();
  private readonly coolDownUntil = new Map<string, number>();

  /**
   * Books the earliest allowed slot for one install in the tenant; the delay until it (0 = now). A copy that
   * was deferred to a slot booked here before (`heldSlotAt`) keeps it instead of booking a second one: every
   * deferred copy booking again on its return would fill each window with slots nobody uses, and the copies
   * would defer each other forever. One the queue hands over too late gives it up and books anew.
   */
  reserve(tenantId: string, now: Date, heldSlotAt?: number): number {
    const at = now.getTime();
    const key = tenantId.toLowerCase();
    let tenant = this.tenants.get(key);
    if (tenant === undefined) {
      tenant = new SlidingWindowLog();
      this.tenants.set(key, tenant);
    }
    if (heldSlotAt !== undefined) {
      if (heldSlotAt >= at - lateSlotToleranceInMs) return Math.max(0, heldSlotAt - at);
      tenant.unbook(heldSlotAt);
      this.app.unbook(heldSlotAt);
    }
    tenant.forgetThrough(at - horizonInMs);
    this.app.forgetThrough(at - horizonInMs);
    let t = Math.max(at, this.coolDownUntil.get(key) ?? at);
    for (;;) {
      const next = Math.max(tenant.earliestAllowed(t, graphInstallLimits.perTenant), this.app.earliestAllowed(t, graphInstallLimits.perApp));
      if (next === t) break;
      t = next;
    }
    tenant.book(t);
    this.app.book(t);
    if (tenant.size === 1 && t === at) this.forgetIdleTenants(at);
    return t - at;
  }

  /** After Graph's 429 for the tenant: no install there before Retry-After has passed. */
  coolDown(tenantId: string, delayInMs: number, now: Date): void {
    const key = tenantId.toLowerCase();
    const until = now.getTime() + delayInMs;
    this.coolDownUntil.set(key, Math.max(until, this.coolDownUntil.get(key) ?? until));
  }

  /** Keeps memory bounded by the tenants active in the last window, not every tenant ever seen. */
  private forgetIdleTenants(at: number): void {
    for (const [key, log] of this.tenants) {
      if (log.latest <= at - horizonInMs && (this.coolDownUntil.get(key) ?? 0) <= at) {
        this.tenants.delete(key);
        this.coolDownUntil.delete(key);
      }
    }
  }
}
