/**
 * Rate shares: each instance sending to a tenant leases a part of the tenant's per-second limit from the tenant's
 * row and holds its own requests to it with its departure gate (DeliveryPacer.depart, which counts each request
 * from Teams' answer). The parts add up to the limit at every moment, so the sum of all instances' arrivals at
 * Teams keeps it however late any one instance's requests run: a late request can only use its own instance's
 * part. The functional core; sharedTenantBudget.ts reads and writes the row.
 *
 * A part is a step function of time (it may only grow within one lease: capacity others free later is granted
 * ahead, from the moment it is free), valid until `until`. What a part occupies of the limit at time t is what
 * its instance may have sent in the window before t: its rate, what it sent before it last renewed (`prior`,
 * for one window after), and after `until` its highest rate for one more window (a request sent just before
 * `until` still counts then). A new part never takes what others occupy at any moment of its validity, and the
 * row's ETag serialises leases, so the sum never exceeds the limit. An instance that dies stops renewing: its
 * part lapses at `until` and stops counting a window later.
 */

/** [from epoch ms, requests per window]; ascending times, non-decreasing rates. */
export type RateStep = readonly [number, number];

export interface RateShare {
  steps: readonly RateStep[];
  /** No request on this part from then on (epoch ms); a renewal before it replaces the part. */
  until: number;
  /** The rate its instance asked for: other instances' leases divide the limit by these wants. */
  want: number;
  /** Requests its instance sent in the window before this lease, which count at Teams until `priorUntil`. */
  prior: number;
  priorUntil: number;
}

export interface RateSharePolicy {
  /** Teams' window as the instances' departure gates count it (1 s and rounding). */
  windowInMs: number;
  /** How long a part is valid without renewal: what a dead instance holds, plus one window while its last requests count. */
  shareTtlInMs: number;
  /**
   * How much later than it left, or than its instance last saw it, a request may reach Teams (a busy machine, a
   * new connection): a part and its prior count this much longer than their window.
   */
  arrivalLagInMs: number;
}

export interface ShareRequest {
  instance: string;
  /** Requests per window this instance could use (its demand with headroom). */
  want: number;
  /** The most of its requests (sent, and booked to leave) any window from now on holds, and until when they count. */
  footprint: { count: number; countsUntil: number };
  /** How long the part is valid (default: the policy's shareTtlInMs). */
  validForInMs?: number;
  /** The want is from a demand younger than a window (a broadcast's start): no less than an even split is asked. */
  early?: boolean;
}

/** The part's rate at t: 0 before its first step and from `until` on. */
export function rateAt(share: RateShare, t: number): number {
  if (t >= share.until) return 0;
  let rate = 0;
  for (const [from, r] of share.steps) {
    if (from > t) break;
    rate = r;
  }
  return rate;
}

/** The first time after t at which the part's rate is at least 1 (a part capped by others' earlier use); undefined when none. */
export function nextRiseAfter(share: RateShare, t: number): { at: number; rate: number } | undefined {
  for (const [from, r] of share.steps) if (from > t && r >= 1 && from < share.until) return { at: from, rate: r };
  return undefined;
}

/** The highest rate the part grants. */
export function peakRate(share: RateShare): number {
  return share.steps.reduce((peak, [, r]) => Math.max(peak, r), 0);
}

/** What the part occupies of the tenant's limit at t (see the file's comment). */
export function occupancyAt(share: RateShare, t: number, policy: RateSharePolicy): number {
  const prior = t < share.priorUntil + policy.arrivalLagInMs ? share.prior : 0;
  if (t < share.until) return Math.max(rateAt(share, t), prior);
  if (t < share.until + policy.windowInMs + policy.arrivalLagInMs) return Math.max(peakRate(share), prior);
  return prior;
}

/** Whether the part still counts at t (its instance may still send, or its last requests still count at Teams). */
export function countsAt(share: RateShare, t: number, policy: RateSharePolicy): boolean {
  return t < Math.max(share.until + policy.windowInMs, share.priorUntil) + policy.arrivalLagInMs;
}

/** Another instance takes an odd request from the instance holding it only when it wants more than this many more. */
export const extraHoldMargin = 10;

/**
 * Divides a limit of whole requests among instances by their wants, the smallest first (water-filling): each
 * gets what it wants up to a common level. The fractions of that level go, a request each, to the largest wants
 * (the most copies waiting: partWant.ts), ties by id, so the parts add up to the limit; an instance that holds
 * one now (`held`: each one's part at its peak, rises granted ahead included) keeps it unless another wants more
 * than extraHoldMargin more. Extras that followed every wobble of the wants moved from instance to instance, and
 * an instance given one at its lease found it still held by the instance that had it until that one renewed:
 * four instances at 12 or 13 a second sent 44 to 47 in such seconds. Extras that never moved left the instances
 * at 12 a second last, with the copies they had taken at a broadcast's start still to send. What nobody wants
 * goes to a lone instance (one instance sending alone may use the whole limit at once); among several it stays
 * free, so an instance whose demand grows finds it at its next lease instead of waiting for the others to give
 * back what they hold without using.
 */
export function fairParts(limit: number, wants: ReadonlyMap<string, number>, held: ReadonlyMap<string, number> = new Map()): Map<string, number> {
  const entries = [...wants].map(([id, want]) => ({ id, want: Math.max(0, want) }));
  const parts = new Map<string, number>();
  if (entries.length === 1) {
    const [lone] = entries;
    if (lone !== undefined) parts.set(lone.id, Math.max(0, Math.floor(limit)));
    return parts;
  }
  const sorted = [...entries].sort((a, b) => a.want - b.want);
  let remaining = Math.max(0, Math.floor(limit));
  let level = Number.POSITIVE_INFINITY;
  for (let i = 0; i < sorted.length; i++) {
    const { want } = sorted[i] as { want: number };
    if (want > remaining / (sorted.length - i)) {
      level = remaining / (sorted.length - i);
      break;
    }
    remaining -= want;
  }
  for (const { id, want } of entries) parts.set(id, Math.min(want, Math.floor(level)));
  if (Number.isFinite(level)) {
    const floorTotal = [...parts.values()].reduce((sum, part) => sum + part, 0);
    let extras = Math.max(0, Math.floor(limit) - floorTotal);
    const holdsExtra = (id: string): number => ((held.get(id) ?? 0) > Math.floor(level) ? 1 : 0);
    const atLevel = entries
      .filter(({ want }) => want > Math.floor(level))
      .sort((a, b) => b.want + holdsExtra(b.id) * extraHoldMargin - (a.want + holdsExtra(a.id) * extraHoldMargin) || holdsExtra(b.id) - holdsExtra(a.id) || a.id.localeCompare(b.id));
    for (const { id } of atLevel) {
      if (extras === 0) break;
      parts.set(id, (parts.get(id) ?? 0) + 1);
      extras--;
    }
  }
  return parts;
}

/**
 * Leases this instance's part: its fair share of the limit by the wants of every instance still sending, never
 * more than the others occupy leaves free at any moment from now on, valid for shareTtlInMs. Parts that no
 * longer count are dropped from the row.
 */
export function leaseRateShare(
  shares: Readonly<Record<string, RateShare>>,
  limit: number,
  policy: RateSharePolicy,
  now: number,
  request: ShareRequest,
): { shares: Record<string, RateShare>; share: RateShare; fair: number } {
  const others = Object.entries(shares).filter(([id, share]) => id !== request.instance && countsAt(share, now, policy));
  const inForce = others.filter(([, share]) => share.until > now);
  const wants = new Map(inForce.map(([id, share]) => [id, share.want]));
  // A want from less than a window of demand (a broadcast's start, its copies still arriving) is a guess: among
  // instances starting together it asks for an even split at least, so the first to see copies does not take the
  // others' parts and hold them a window past its renewal, and the others are not renewed again and again to grow.
  const evenSplit = Math.ceil(Math.floor(limit) / (wants.size + 1));
  const want = Math.max(0, request.early === true && wants.size > 0 ? Math.max(request.want, evenSplit) : request.want);
  wants.set(request.instance, want);
  // A lone instance may use the whole limit, but not with its first part: instances starting on one broadcast
  // lease within milliseconds of each other, and the first of them would hold the whole limit (counting a window
  // after it ends) while it has a quarter of the copies; the others then sent nothing for a second and a half.
  const held = shares[request.instance];
  const starting = held === undefined || held.until <= now;
  const parts = new Map(inForce.map(([id, share]) => [id, peakRate(share)]));
  if (!starting) parts.set(request.instance, peakRate(held));
  const fair = wants.size === 1 && starting ? Math.min(Math.floor(limit), Math.ceil(want)) : (fairParts(limit, wants, parts).get(request.instance) ?? 0);
  const until = now + (request.validForInMs ?? policy.shareTtlInMs);
  // Others' parts may still grow (capacity freed later was granted to them ahead), so this part's rate at each
  // change point is the least free capacity from there until it stops counting (a window after `until`).
  const lastCounted = until + policy.windowInMs + policy.arrivalLagInMs;
  const points = new Set<number>([now, until]);
  for (const [, share] of others) {
    const ends = [share.until, share.until + policy.windowInMs + policy.arrivalLagInMs, share.priorUntil + policy.arrivalLagInMs];
    for (const t of [...ends, ...share.steps.map(([from]) => from)]) if (t > now && t < lastCounted) points.add(t);
  }
  const times = [...points].sort((a, b) => a - b);
  const freeAt = (t: number): number => limit - others.reduce((sum, [, share]) => sum + occupancyAt(share, t, policy), 0);
  const rates = times.map((t) => Math.max(0, Math.min(fair, Math.floor(freeAt(t)))));
  for (let i = rates.length - 2; i >= 0; i--) rates[i] = Math.min(rates[i] as number, rates[i + 1] as number);
  const steps: RateStep[] = [];
  times.forEach((t, i) => {
    const rate = rates[i] as number;
    if (t < until && (steps.length === 0 || rate > (steps[steps.length - 1] as RateStep)[1])) steps.push([t, rate]);
  });
  const share: RateShare = { steps, until, want, prior: Math.max(0, request.footprint.count), priorUntil: Math.max(now, request.footprint.countsUntil) };
  return { shares: { ...Object.fromEntries(others), [request.instance]: share }, share, fair };
}
