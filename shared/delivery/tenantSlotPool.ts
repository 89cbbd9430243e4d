/**
 * The tenant send slots this instance holds from the shared budget, soonest first. A slot is used once; one
 * whose time has passed by more than the tolerance is dropped (sending that late would bunch with slots
 * granted after it), so what a lease granted but nobody used simply runs out.
 */
export class TenantSlotPool {
  private readonly slotsByTenant = new Map<string, number[]>();

  constructor(private readonly toleranceInMs: number) {}

  add(tenantId: string, slots: readonly number[]): void {
    if (slots.length === 0) return;
    const held = this.slotsByTenant.get(tenantId) ?? [];
    held.push(...slots);
    held.sort((a, b) => a - b);
    this.slotsByTenant.set(tenantId, held);
  }

  /** The soonest held slot a send at or after `at` may use, or undefined; drops slots too old to use at `now`. */
  first(tenantId: string, at: number, now: number): number | undefined {
    const held = this.slotsByTenant.get(tenantId);
    if (held === undefined) return undefined;
    const tooOld = held.findIndex((slot) => slot >= now - this.toleranceInMs);
    if (tooOld === -1) {
      this.slotsByTenant.delete(tenantId);
      return undefined;
    }
    if (tooOld > 0) held.splice(0, tooOld);
    return held.find((slot) => slot >= at - this.toleranceInMs);
  }

  take(tenantId: string, slot: number): void {
    const held = this.slotsByTenant.get(tenantId);
    const index = held?.indexOf(slot) ?? -1;
    if (held === undefined || index < 0) return;
    held.splice(index, 1);
    if (held.length === 0) this.slotsByTenant.delete(tenantId);
  }

  /** After a 429: what this instance held was granted before Teams complained. */
  drop(tenantId: string): void {
    this.slotsByTenant.delete(tenantId);
  }

  held(tenantId: string): number {
    return this.slotsByTenant.get(tenantId)?.length ?? 0;
  }
}
