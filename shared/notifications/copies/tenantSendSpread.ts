import { type DeliverySettings } from '../../config';
import { type QueuedDelivery } from '../../queue/deliveryQueue';

/** How a batch's sends are spread (spreadSends). */
export interface SendSpread {
  /** Copies per second of one tenant (sendSpreadFor: a little under PerTenantRequestsPerSecond). */
  perTenantPerSecond: number;
  /** How long before its turn a copy arrives. */
  leadInMs: number;
  /** Copies of each tenant already queued ahead of this batch (an earlier fan-out page's). */
  queuedAhead?: number;
  /**
   * A tenant's first this many copies (a window's worth) come at once, not spread: Teams' windows slide, so the
   * first window's sends set the shape of every later one, and a first window spread thin ends the broadcast as
   * thin (its last copies trickled out over a second).
   */
  atOnce?: number;
}

/**
 * A copy arrives this long before its turn: time to be taken off the queue and paced (a lease gathers for 30 ms
 * and books 100 ms ahead), well inside the 1 s an invocation may wait for its slot. With a full second, ~50
 * invocations of one tenant sat waiting at any time, next to the copies coming back to held slots, and an
 * instance's 64 concurrent sessions (host.json) ran out: copies came back late, missed their held slots and
 * were rescheduled again (1,058 reschedules and 92 % of the ceiling in one 1,000 broadcast, 688 and 96 % at 500 ms).
 * Measured with the two constants here edited, one run of `npm run bench -- --only scaleout --scale-out-instances 1`
 * each (reschedules: the `paced: rescheduled` lines of the gateway's log).
 */
export const sendSpreadLeadInMs = 500;

/**
 * Copies are spread at this share of the ceiling: about the pacer's own pace (a window holds the ceiling's sends
 * but lasts Teams' second plus a few ms of rounding and answer time), so the last copies arrive in time for their
 * turn instead of setting the finish. 1,000 broadcast on one process, `npm run bench -- --only scaleout
 * --scale-out-instances 1 --scale-out-largest-only` with this constant edited: 93.7 % of the ceiling at 95 %,
 * 94.4 % at 98.5 %, 94.6 % at 100 %; with four processes 98.5 % did as well as 95 % or better.
 */
export const sendSpreadShareOfCeiling = 0.985;

/**
 * No copy is put off further than this: a batch beyond 60,000 copies of one tenant arrives at the cap and is
 * paced as before. It keeps scheduled sends far inside the reconciler's 90-minute quiet deadline.
 */
export const maxSendSpreadInMs = 20 * 60_000;

/**
 * When each send of a batch should reach the sender. Teams takes a tenant's copies at its per-tenant rate
 * (50 a second), so the k-th copy to one tenant cannot leave before k / rate seconds anyway. Queued all at
 * once, a 1,000-copy broadcast hands the sender a thousand copies in its first second: it reads, paces and
 * reschedules most of them while it should be sending the first fifty, and the first seconds reach Teams
 * short of the limit. Scheduled to arrive `leadInMs` before their turn, they come at about the pace they can
 * leave.
 *
 * Only a hint: the pacer still decides when each copy leaves (another broadcast to the tenant, a 429, several
 * instances), and a copy that arrives early is rescheduled as before. Without a spread (undefined), the
 * batch is returned as it is. Pure.
 */
export function spreadSends(deliveries: readonly QueuedDelivery[], spread: SendSpread | undefined, now: Date): QueuedDelivery[] {
  if (spread === undefined) return [...deliveries];
  const perCopyInMs = 1_000 / Math.max(1, spread.perTenantPerSecond);
  const ranks = new Map<string, number>();
  return deliveries.map((delivery) => {
    const tenantId = delivery.body.operation === 'send' ? (delivery.body.tenantId ?? delivery.body.createFor?.tenantId) : undefined;
    if (tenantId === undefined) return delivery;
    const rank = ranks.get(tenantId) ?? spread.queuedAhead ?? 0;
    ranks.set(tenantId, rank + 1);
    if (rank < (spread.atOnce ?? 0)) return delivery;
    const offsetInMs = Math.min(maxSendSpreadInMs, Math.floor(rank * perCopyInMs) - spread.leadInMs);
    if (offsetInMs <= 0) return delivery;
    // A scheduled notification spreads from its sendAt.
    const base = Math.max(now.getTime(), delivery.notBefore?.getTime() ?? Number.NEGATIVE_INFINITY);
    return { ...delivery, notBefore: new Date(base + offsetInMs) };
  });
}

/** The spread for the configured ceiling. */
export function sendSpreadFor(settings: Pick<DeliverySettings, 'perTenantRequestsPerSecond'>): SendSpread {
  return { perTenantPerSecond: settings.perTenantRequestsPerSecond * sendSpreadShareOfCeiling, leadInMs: sendSpreadLeadInMs, atOnce: settings.perTenantRequestsPerSecond };
}
