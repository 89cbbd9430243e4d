/** Sweep forgotten holds every this many holds. */
const sweepEvery = 256;

/**
 * Tenant slots this instance leased and promised to copies it rescheduled: a copy whose tenant slot lies beyond
 * the invocation's wait comes back for it on the queue (its message carries the conversation slot, pacedUntil)
 * and sends on it, instead of handing the slot back and competing with every other returning copy for the
 * next one (each time rescheduled a second later, a queue round trip per second of the broadcast). A copy
 * that returns to another instance, or too late, finds nothing here and is paced afresh; the slot runs out.
 */
export class HeldTenantSlots {
  /** Per tenant: "conversationId slotAt" → the tenant slot held for it. */
  private readonly byTenant = new Map<string, Map<string, number>>();
  private holds = 0;

  constructor(private readonly windowInMs: number) {}

  hold(tenantId: string, conversationId: string, conversationSlot: number, tenantSlot: number): void {
    if (++this.holds % sweepEvery === 0) this.sweep(tenantSlot - this.windowInMs);
    let held = this.byTenant.get(tenantId);
    if (held === undefined) this.byTenant.set(tenantId, (held = new Map<string, number>()));
    held.set(keyOf(conversationId, conversationSlot), tenantSlot);
  }

  /** The tenant slot held for the copy that booked `conversationSlot`, removed; undefined when none is held. */
  take(tenantId: string, conversationId: string, conversationSlot: number): number | undefined {
    const held = this.byTenant.get(tenantId);
    const key = keyOf(conversationId, conversationSlot);
    const slot = held?.get(key);
    if (held === undefined || slot === undefined) return undefined;
    held.delete(key);
    if (held.size === 0) this.byTenant.delete(tenantId);
    return slot;
  }

  /** After a 429: the held slots were granted before Teams complained. */
  drop(tenantId: string): void {
    this.byTenant.delete(tenantId);
  }

  get size(): number {
    let size = 0;
    for (const held of this.byTenant.values()) size += held.size;
    return size;
  }

  /** Forgets holds for slots before `before` (their copies went elsewhere or never came back). */
  private sweep(before: number): void {
    for (const [tenantId, held] of this.byTenant) {
      for (const [key, slot] of held) if (slot < before) held.delete(key);
      if (held.size === 0) this.byTenant.delete(tenantId);
    }
  }
}

function keyOf(conversationId: string, conversationSlot: number): string {
  return `${conversationId} ${conversationSlot}`;
}
