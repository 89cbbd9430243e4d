/** A part's want: the last window's demand (pace calls) with this much headroom, so a part can grow to what is queued. */
const wantHeadroom = 1.25;

export interface WantInputs {
  /** Pace calls for the tenant per window (scaled up to a window while the demand is younger than one). */
  demandPerWindow: number;
  /**
   * Copies this instance holds for the tenant (copiesInHand.ts): waiting for their slot or at the departure gate,
   * or rescheduled to a slot it booked. An instance behind the others (it took more of a broadcast's first copies)
   * holds more, and wants more: the odd requests of the split go to it (tenantRateShares.ts, fairParts).
   */
  inHand: number;
  /** This instance's requests to the tenant in the current window (and booked to leave): they count against any part. */
  inWindow: number;
  ceiling: number;
}

/**
 * Requests per window this instance could use for the tenant. By its demand while copies keep arriving; while it
 * holds copies, at least enough for them to leave now: its window's requests already count against the part, so
 * a part of only what is in hand would let nothing go until the window drained. Never above the ceiling. Pure.
 */
export function partWant({ demandPerWindow, inHand, inWindow, ceiling }: WantInputs): number {
  const byDemand = Math.ceil(demandPerWindow * wantHeadroom) + 1;
  const toDrain = inHand > 0 ? inWindow + inHand + 1 : 0;
  return Math.min(ceiling, Math.max(byDemand, toDrain));
}
