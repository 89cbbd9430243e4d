/**
 * The copies an instance holds for each tenant between their slot and their departure: each `sendAfter` answer
 * adds one, and its departure through the gate or its release takes one. The part's want counts them
 * (partWant.ts): near the end of a broadcast few copies arrive, but those that came a second before still wait
 * for their slot or at the departure gate, and a part sized by arrivals alone shrank under them (to 3 or 4 with
 * 12 to 13 of the window used) and left them to trickle out a second later.
 *
 * A count, not a ledger: a departure takes the oldest copy (the gate does not say whose departure it is), and a
 * copy is forgotten at its `until` (one waits at most its invocation's wait and the gate's hold; a rescheduled
 * copy is paced again at its slot).
 */
export class CopiesInHand {
  private readonly byTenant = new Map<string, { until: number }[]>();

  constructor(private readonly maxAgeInMs = 3_000) {}

  /**
   * One copy more from `at` (epoch ms) until `until` (default: maxAgeInMs later; a rescheduled copy's, its slot);
   * the returned function hands it back (its slot released), once.
   */
  add(tenantId: string, at: number, until: number = at + this.maxAgeInMs): () => void {
    let copies = this.byTenant.get(tenantId);
    if (copies === undefined) {
      copies = [];
      this.byTenant.set(tenantId, copies);
    }
    const copy = { until };
    copies.push(copy);
    const held = copies;
    return () => {
      const index = held.indexOf(copy);
      if (index >= 0) held.splice(index, 1);
    };
  }

  /** A request of the tenant left: one copy less (the oldest). */
  departed(tenantId: string): void {
    this.byTenant.get(tenantId)?.shift();
  }

  /** The tenant's copies in hand at `now` (epoch ms). */
  count(tenantId: string, now: number): number {
    const copies = this.byTenant.get(tenantId);
    if (copies === undefined) return 0;
    for (let i = copies.length - 1; i >= 0; i--) if ((copies[i] as { until: number }).until <= now) copies.splice(i, 1);
    if (copies.length === 0) this.byTenant.delete(tenantId);
    return copies.length;
  }
}
