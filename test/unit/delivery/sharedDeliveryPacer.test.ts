import { type DeliveryPacer } from '../../../shared/delivery/deliveryPacer';
import { tenantBudgetPolicy } from '../../../shared/delivery/deliveryPacerFactory';
import { SendPacer } from '../../../shared/delivery/sendPacer';
import { SharedDeliveryPacer } from '../../../shared/delivery/sharedDeliveryPacer';
import { SharedTenantBudget } from '../../../shared/delivery/sharedTenantBudget';
import { type TenantBudgetState } from '../../../shared/delivery/tenantBudgetLedger';
import { type StoredTenantBudget, type TenantBudgetStore } from '../../../shared/store/tenantBudgetStore';

/** Table Storage's contract for one row per tenant: conditional writes on an ETag (no I/O; Azurite is the integration test's). */
class MemoryBudgetStore implements TenantBudgetStore {
  private readonly rows = new Map<string, StoredTenantBudget>();
  private version = 0;

  read(tenantId: string): Promise<StoredTenantBudget | undefined> {
    return Promise.resolve(this.rows.get(tenantId));
  }

  write(tenantId: string, state: TenantBudgetState, etag: string | undefined): Promise<string | undefined> {
    if (this.rows.get(tenantId)?.etag !== etag) return Promise.resolve(undefined);
    const next = `v${++this.version}`;
    this.rows.set(tenantId, { state, etag: next });
    return Promise.resolve(next);
  }
}

const settings = { perTenantRequestsPerSecond: 50 };
const policy = tenantBudgetPolicy(settings);

function instance(store: TenantBudgetStore, clock: { now: number }): { pacer: DeliveryPacer; budget: SharedTenantBudget } {
  const now = (): number => clock.now;
  const budget = new SharedTenantBudget({ store, policy, now });
  // Many sends wait on one clock at once here, so a wait for the window moves no clock: it only yields.
  const pacer = new SharedDeliveryPacer({ local: new SendPacer({ perTenantRequestsPerSecond: Number.POSITIVE_INFINITY }), budget, now, sleep: async () => Promise.resolve() });
  return { pacer, budget };
}

function mostInAnyWindow(times: readonly number[], windowInMs: number): number {
  let most = 0;
  for (const s of times) most = Math.max(most, times.filter((t) => t > s - windowInMs && t <= s).length);
  return most;
}

const t0 = 1_800_000_000_000;

/**
 * Sessions feeding instances: each step every instance gets `newPerStep` new copies, and the copies it
 * rescheduled come back when due (to the same instance, as a session does) holding the slot they booked.
 */
async function drive(
  instances: readonly { pacer: DeliveryPacer }[],
  clock: { now: number },
  { steps, newPerStep, stepInMs }: { steps: number; newPerStep: number; stepInMs: number },
): Promise<{ sendTimes: number[]; sends: { at: number; instance: number }[]; rescheduled: number }> {
  const sendTimes: number[] = [];
  const sends: { at: number; instance: number }[] = [];
  let rescheduled = 0;
  const queued = instances.map(() => [] as { conversationId: string; returnAt: number; heldSlotAt: number }[]);
  for (let step = 0; step < steps; step++) {
    const answers = await Promise.all(
      instances.flatMap(({ pacer }, i) => {
        const due = (queued[i] ?? []).filter((copy) => copy.returnAt <= clock.now);
        queued[i] = (queued[i] ?? []).filter((copy) => copy.returnAt > clock.now);
        const fresh = Array.from({ length: newPerStep }, (_, n) => ({ conversationId: `c-${step}-${i}-${n}`, heldSlotAt: undefined as number | undefined }));
        return [...due, ...fresh].map(async ({ conversationId, heldSlotAt }) => {
          const answer = await pacer.pace({ tenantId: 't', conversationId, now: new Date(clock.now), maxWaitInMs: 1_000, ...(heldSlotAt === undefined ? {} : { heldSlotAt }) });
          return { answer, conversationId, i };
        });
      }),
    );
    for (const { answer, conversationId, i } of answers) {
      if (answer.kind === 'sendAfter') {
        sendTimes.push(clock.now + answer.delayInMs);
        sends.push({ at: clock.now + answer.delayInMs, instance: i });
      } else {
        rescheduled++;
        queued[i]?.push({ conversationId, returnAt: answer.returnAt.getTime(), heldSlotAt: answer.until.getTime() });
      }
    }
    clock.now += stepInMs;
  }
  return { sendTimes, sends, rescheduled };
}

describe('SharedDeliveryPacer', () => {
  it('instances sharing one budget send at most the ceiling per window between them, and reschedule the rest', async () => {
    const store = new MemoryBudgetStore();
    const clock = { now: t0 };
    const instances = [instance(store, clock), instance(store, clock), instance(store, clock), instance(store, clock)];
    // Each step every instance has 20 new sends waiting (its sessions); time moves 100 ms per step.
    const run = await drive(instances, clock, { steps: 40, newPerStep: 20, stepInMs: 100 });
    expect(run.rescheduled).toBeGreaterThan(0);
    // Never more than the ceiling in the narrower window; in the wider one wherever two instances' sends meet.
    expect(mostInAnyWindow(run.sendTimes, policy.soloWindowInMs)).toBeLessThanOrEqual(50);
    for (const { at } of run.sends) {
      const inWindow = run.sends.filter((send) => send.at > at - policy.windowInMs && send.at <= at);
      if (new Set(inWindow.map((send) => send.instance)).size > 1) expect(inWindow.length).toBeLessThanOrEqual(50);
    }
    // Close to the ceiling: 4 s of steps at up to 50 per window.
    expect(run.sendTimes.length).toBeGreaterThanOrEqual(150);
  });

  it('a copy rescheduled to a leased slot beyond the wait comes back for that slot and sends on it', async () => {
    const clock = { now: t0 };
    const { pacer } = instance(new MemoryBudgetStore(), clock);
    // A full window's worth of sends now, then one more: its slot is leased but lies beyond a 100 ms wait.
    const first = await Promise.all(Array.from({ length: 60 }, async (_, n) => pacer.pace({ tenantId: 't', conversationId: `c-${n}`, now: new Date(clock.now), maxWaitInMs: 100 })));
    const held = first.find((answer) => answer.kind === 'reschedule');
    if (held?.kind !== 'reschedule') throw new Error('expected a rescheduled copy');
    const index = first.indexOf(held);
    clock.now = held.returnAt.getTime();
    // Other sends arrive first and take what the pool has: the held slot is not among it.
    await Promise.all(Array.from({ length: 40 }, async (_, n) => pacer.pace({ tenantId: 't', conversationId: `d-${n}`, now: new Date(clock.now), maxWaitInMs: 100 })));
    const back = await pacer.pace({ tenantId: 't', conversationId: `c-${index}`, now: new Date(clock.now), maxWaitInMs: 100, heldSlotAt: held.until.getTime() });
    expect(back).toMatchObject({ kind: 'sendAfter', delayInMs: held.until.getTime() - clock.now });
    // Another copy of the same conversation, coming back with a slot nobody held for it, is paced afresh.
    const stranger = await pacer.pace({ tenantId: 't', conversationId: `c-${index}`, now: new Date(clock.now), maxWaitInMs: 100, heldSlotAt: held.until.getTime() + 1 });
    expect(stranger.kind === 'sendAfter' && stranger.delayInMs === held.until.getTime() + 1 - clock.now).toBe(false);
  });

  it('spends at most one Table operation per 10 sends when one instance sends at full rate', async () => {
    const clock = { now: t0 };
    const one = instance(new MemoryBudgetStore(), clock);
    const run = await drive([one], clock, { steps: 50, newPerStep: 64, stepInMs: 200 });
    expect(run.sendTimes.length).toBeGreaterThan(400);
    expect(one.budget.counters.tableOperations / run.sendTimes.length).toBeLessThanOrEqual(0.1);
  });

  it('a 429 one instance hears holds back the other until Retry-After', async () => {
    const store = new MemoryBudgetStore();
    const clock = { now: t0 };
    const [a, b] = [instance(store, clock), instance(store, clock)];
    await a.pacer.coolDownTenant('t', 3_000, new Date(clock.now));
    const answer = await b.pacer.pace({ tenantId: 't', conversationId: 'c', now: new Date(clock.now), maxWaitInMs: 1_000 });
    expect(answer.kind).toBe('reschedule');
    expect(answer.kind === 'reschedule' && answer.until.getTime()).toBeGreaterThanOrEqual(t0 + 3_000);
  });

  it("reports another instance's cool-down once it has read the tenant's row, its own at once", async () => {
    const store = new MemoryBudgetStore();
    const clock = { now: t0 };
    const [a, b] = [instance(store, clock), instance(store, clock)];
    await b.pacer.pace({ tenantId: 't', conversationId: 'c-1', now: new Date(clock.now), maxWaitInMs: 1_000 });

    await a.pacer.coolDownTenant('t', 3_000, new Date(clock.now));
    expect(a.pacer.tenantCoolDownUntil('t')).toBe(t0 + 3_000);
    // b still holds the row it wrote before; its next lease meets a's write (412), reads it and learns.
    expect(b.pacer.tenantCoolDownUntil('t')).toBeLessThan(t0 + 3_000);
    await b.pacer.pace({ tenantId: 't', conversationId: 'c-2', now: new Date(clock.now), maxWaitInMs: 1_000 });
    expect(b.pacer.tenantCoolDownUntil('t')).toBe(t0 + 3_000);
  });

  it('a rescheduled copy hands its conversation slot back and is not held back by it', async () => {
    const clock = { now: t0 };
    const { pacer } = instance(new MemoryBudgetStore(), clock);
    const held = t0 + 500;
    const answer = await pacer.pace({ tenantId: 't', conversationId: 'c', now: new Date(clock.now), maxWaitInMs: 1_000, heldSlotAt: held });
    expect(answer).toMatchObject({ kind: 'sendAfter', delayInMs: policy.leadInMs });
  });

  it('a slot handed back unused serves the next send without another lease', async () => {
    const clock = { now: t0 };
    const { pacer, budget } = instance(new MemoryBudgetStore(), clock);
    const first = await pacer.pace({ tenantId: 't', conversationId: 'c', now: new Date(clock.now), maxWaitInMs: 1_000 });
    if (first.kind !== 'sendAfter') throw new Error(`expected a slot, got ${JSON.stringify(first)}`);
    const leases = budget.counters.leases;

    first.release();
    // The same conversation: its own window's booking went back too.
    const second = await pacer.pace({ tenantId: 't', conversationId: 'c', now: new Date(clock.now), maxWaitInMs: 1_000 });

    expect(second).toMatchObject({ kind: 'sendAfter', delayInMs: first.delayInMs });
    expect(budget.counters.leases).toBe(leases);
  });

  it('copies rescheduled for one busy conversation after a 429 drain at the conversation rate, each on a leased slot', async () => {
    const clock = { now: t0 };
    // Each Table write takes 5 ms of the clock, as a real one takes time: the lease's slot is decided before it.
    const store = new MemoryBudgetStore();
    const slowStore: TenantBudgetStore = {
      read: async (tenantId) => store.read(tenantId),
      write: async (tenantId, state, etag) => {
        clock.now += 5;
        return store.write(tenantId, state, etag);
      },
    };
    const now = (): number => clock.now;
    const budget = new SharedTenantBudget({ store: slowStore, policy, now });
    const sleep = async (delayInMs: number): Promise<void> => {
      clock.now += delayInMs;
      return Promise.resolve();
    };
    const pacer = new SharedDeliveryPacer({ local: new SendPacer({ perTenantRequestsPerSecond: Number.POSITIVE_INFINITY }), budget, now, gatherInMs: 0, sleep });
    await pacer.coolDownTenant('t', 1_100, new Date(clock.now));

    // One session: the queue hands over one copy at a time, soonest first; a rescheduled copy returns at returnAt holding its slot.
    const queue: { at: number; heldSlotAt?: number }[] = Array.from({ length: 16 }, () => ({ at: t0 }));
    const sends: number[] = [];
    for (let handled = 0; queue.length > 0 && handled < 200; handled++) {
      queue.sort((x, y) => x.at - y.at);
      const copy = queue.shift()!;
      clock.now = Math.max(clock.now, copy.at);
      const answer = await pacer.pace({ tenantId: 't', conversationId: 'c', now: new Date(clock.now), maxWaitInMs: 1_000, ...(copy.heldSlotAt === undefined ? {} : { heldSlotAt: copy.heldSlotAt }) });
      if (answer.kind === 'sendAfter') {
        clock.now += answer.delayInMs;
        sends.push(clock.now);
      } else {
        expect(answer.returnAt.getTime()).toBeLessThanOrEqual(answer.until.getTime());
        queue.push({ at: answer.returnAt.getTime(), heldSlotAt: answer.until.getTime() });
      }
    }

    expect(sends).toHaveLength(16);
    expect(sends[0]).toBeGreaterThanOrEqual(t0 + 1_100);
    // Teams' windows for one conversation (7 per 1 s, 8 per 2 s) hold.
    expect(mostInAnyWindow(sends, 1_000)).toBeLessThanOrEqual(7);
    expect(mostInAnyWindow(sends, 2_000)).toBeLessThanOrEqual(8);
    // 16 sends at 8 per 2.1 s take 4.2 s after the cool-down. A returning copy may lose a round to a tenant slot
    // that lands just after its own, never round after round (each lease's lead past its slot sent it to the
    // back again: 16 s for these 16, minutes for the restart test's 24 per conversation).
    expect(sends[15]! - t0).toBeLessThan(1_100 + 2 * 4_200);
  });

  it('a send that finds the tenant window full waits for it when it frees within the wait, instead of going behind every rescheduled copy', async () => {
    const clock = { now: t0 };
    const now = (): number => clock.now;
    const budget = new SharedTenantBudget({ store: new MemoryBudgetStore(), policy, now });
    const sleep = async (delayInMs: number): Promise<void> => {
      clock.now += delayInMs;
      return Promise.resolve();
    };
    const pacer = new SharedDeliveryPacer({ local: new SendPacer({ perTenantRequestsPerSecond: Number.POSITIVE_INFINITY }), budget, now, sleep });
    const first = await Promise.all(Array.from({ length: policy.ceiling }, async (_, n) => pacer.pace({ tenantId: 't', conversationId: `c-${n}`, now: new Date(clock.now), maxWaitInMs: 2_000 })));
    expect(first.every((answer) => answer.kind === 'sendAfter')).toBe(true);

    const next = await pacer.pace({ tenantId: 't', conversationId: 'c-next', now: new Date(clock.now), maxWaitInMs: 2_000 });

    // The window's first slot was t0 + lead; the next free one is a window later, and it is this send's.
    expect(next.kind).toBe('sendAfter');
    const sendAt = clock.now + (next.kind === 'sendAfter' ? next.delayInMs : Number.NaN);
    expect(sendAt).toBeGreaterThanOrEqual(t0 + policy.leadInMs + policy.soloWindowInMs);
    expect(sendAt - t0).toBeLessThanOrEqual(2_000);
  });

  it("a busy conversation's copy whose own slot is later in the wait gets a tenant slot at it, not a reschedule", async () => {
    const clock = { now: t0 };
    const { pacer } = instance(new MemoryBudgetStore(), clock);
    const pace = async (): Promise<Awaited<ReturnType<DeliveryPacer['pace']>>> => pacer.pace({ tenantId: 't', conversationId: 'busy', now: new Date(clock.now), maxWaitInMs: 1_000 });
    // Seven copies fill the conversation's 1 s window; 1.2 s later its 8-per-2-s window has room for one more.
    for (let n = 0; n < 7; n++) expect((await pace()).kind).toBe('sendAfter');
    clock.now += 1_200;
    expect((await pace()).kind).toBe('sendAfter');

    // The next has its conversation slot when the first seven leave the 2 s window (plus its margin), about
    // 0.9 s away: within the wait. A lease from "now" granted only earlier slots, and the copy was rescheduled.
    const ninth = await pace();
    expect(ninth.kind).toBe('sendAfter');
    const sendAt = clock.now + (ninth.kind === 'sendAfter' ? ninth.delayInMs : Number.NaN);
    expect(sendAt - t0).toBeGreaterThanOrEqual(2_000);
    expect(sendAt - clock.now).toBeLessThanOrEqual(1_000);
  });

  it("at a steady stream (a spread broadcast's copies, each paced on arrival) a lease serves many sends, and the pace holds", async () => {
    const clock = { now: t0 };
    const { pacer, budget } = instance(new MemoryBudgetStore(), clock);
    const departures: number[] = [];
    // Sends waiting for their slot leave when the clock reaches it, through the departure gate, in time order.
    let pending: number[] = [];
    const leaveUntil = (until: number): void => {
      for (const at of pending.filter((t) => t <= until).sort((x, y) => x - y)) {
        clock.now = Math.max(clock.now, at);
        departures.push(pacer.depart('t', clock.now).at);
      }
      pending = pending.filter((t) => t > until);
    };
    // 45 copies a second to one tenant, each arriving on its own (spread on the queue): a lease's gathering finds one.
    const arrivalEveryInMs = 22;
    const copies = 300;
    for (let n = 0; n < copies; n++) {
      const arrival = t0 + n * arrivalEveryInMs;
      leaveUntil(arrival);
      clock.now = Math.max(clock.now, arrival);
      const answer = await pacer.pace({ tenantId: 't', conversationId: `c-${n}`, now: new Date(clock.now), maxWaitInMs: 1_000 });
      expect(answer.kind).toBe('sendAfter');
      pending.push(clock.now + (answer.kind === 'sendAfter' ? answer.delayInMs : Number.NaN));
    }
    leaveUntil(Number.POSITIVE_INFINITY);
    expect(departures).toHaveLength(copies);
    // One lease per send or two before (4 tenants × 500: 775 leases for 2,000 sends); #13 allows one Table operation per 10 sends.
    expect(budget.counters.leases).toBeLessThanOrEqual(copies / 10);
    // Leasing ahead must not slow the stream: the last copy leaves within a second of its arrival.
    expect((departures.at(-1) ?? Number.NaN) - (t0 + (copies - 1) * arrivalEveryInMs)).toBeLessThanOrEqual(1_000);
    expect(mostInAnyWindow(departures, 1_000)).toBeLessThanOrEqual(settings.perTenantRequestsPerSecond);
  });

  it('at a trickle one lease serves the next second of sends (spread out), not one Table write per send', async () => {
    const clock = { now: t0 };
    const { pacer, budget } = instance(new MemoryBudgetStore(), clock);
    const waits: number[] = [];
    // Five sends a second to one tenant, each to its own conversation, one at a time.
    for (let n = 0; n < 50; n++) {
      const answer = await pacer.pace({ tenantId: 't', conversationId: `c-${n}`, now: new Date(clock.now), maxWaitInMs: 1_000 });
      expect(answer.kind).toBe('sendAfter');
      const delayInMs = answer.kind === 'sendAfter' ? answer.delayInMs : Number.NaN;
      waits.push(delayInMs);
      clock.now += delayInMs;
      expect(pacer.depart('t', clock.now).at).toBe(clock.now);
      clock.now += 200 - delayInMs;
    }
    // One lease (one Table write) per send before; now about one per second of sends.
    expect(budget.counters.leases).toBeLessThanOrEqual(15);
    // No send waits longer than a fresh lease's lead would make it, plus the spacing.
    expect(Math.max(...waits)).toBeLessThanOrEqual(policy.leadInMs + policy.horizonInMs / 4);
  });
});
