import { type PaceAnswer } from '../../../shared/delivery/deliveryPacer';
import { tenantBudgetPolicy } from '../../../shared/delivery/deliveryPacerFactory';
import { RateSharePacer } from '../../../shared/delivery/rateSharePacer';
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

/** One clock and its timers for every instance; `advance` runs what falls due, in time order, letting promises settle between. */
class FakeClock {
  now = 1_800_000_000_000;
  private timers: { at: number; run: () => void }[] = [];

  schedule = (run: () => void, delayInMs: number): { unref: () => void } => {
    this.timers.push({ at: this.now + Math.max(0, delayInMs), run });
    return { unref: () => undefined };
  };

  wait = async (delayInMs: number): Promise<void> =>
    new Promise((resolve) => {
      this.schedule(resolve, delayInMs);
    });

  async advance(toTime: number): Promise<void> {
    for (;;) {
      await settle();
      const due = this.timers.filter((timer) => timer.at <= toTime).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers.splice(this.timers.indexOf(due), 1);
      this.now = Math.max(this.now, due.at);
      due.run();
    }
    this.now = Math.max(this.now, toTime);
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

const settings = { perTenantRequestsPerSecond: 50 };
const policy = tenantBudgetPolicy(settings);

/** `timers`: where its renewals run (default the shared clock; a clock nobody advances is an instance that died). */
function instance(store: TenantBudgetStore, clock: FakeClock, id: string, timers: FakeClock = clock): { pacer: RateSharePacer; budget: SharedTenantBudget } {
  const now = (): number => clock.now;
  const budget = new SharedTenantBudget({ store, policy, now, instanceId: id });
  const pacer = new RateSharePacer({ budget, now, schedule: timers.schedule, wait: timers.wait });
  return { pacer, budget };
}

/** Asks for one copy's slot, moving the clock (10 ms at a time) while the pacer waits on it. */
async function ask(clock: FakeClock, pacer: RateSharePacer, conversationId: string): Promise<PaceAnswer> {
  return askWithin(clock, pacer, conversationId, 1_000);
}

/** As `ask`, with the wait the copy may spend (a copy that may not wait long is rescheduled instead). */
async function askWithin(clock: FakeClock, pacer: RateSharePacer, conversationId: string, maxWaitInMs: number): Promise<PaceAnswer> {
  let answer: PaceAnswer | undefined;
  const asked = pacer.pace({ tenantId: 't', conversationId, now: new Date(clock.now), maxWaitInMs }).then((a) => (answer = a));
  for (let i = 0; answer === undefined && i < 100; i++) await clock.advance(clock.now + 10);
  return asked;
}

/** Copies at once (a broadcast's first window): the instance's first part is sized by its demand, so this takes the whole limit. */
async function burst(clock: FakeClock, pacer: RateSharePacer, copies = 50): Promise<PaceAnswer[]> {
  const asked = Array.from({ length: copies }, (_, n) => pacer.pace({ tenantId: 't', conversationId: `burst-${n}`, now: new Date(clock.now), maxWaitInMs: 1_000 }));
  await clock.advance(clock.now + 50);
  return Promise.all(asked);
}

function mostInAnyWindow(times: readonly number[], windowInMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[first] as number) <= (sorted[last] as number) - windowInMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

interface Copy {
  conversationId: string;
  instance: number;
  at: number;
  heldSlotAt?: number;
}

/**
 * Instances taking copies of one tenant from one queue: `arrivals` copies a second reach the instances in turn;
 * each is paced, waits for its slot, passes its instance's departure gate and is answered `latencyInMs` later.
 * A rescheduled or refused copy comes back (to the same instance) when it was told to. Returns every request's
 * departure with its instance.
 */
async function run(
  instances: readonly { pacer: RateSharePacer }[],
  clock: FakeClock,
  { copies, perSecond, latencyInMs = 20, stepInMs = 5, instanceOf = (n: number) => n % instances.length }: { copies: number; perSecond: number; latencyInMs?: number; stepInMs?: number; instanceOf?: (n: number) => number },
): Promise<{ departures: { at: number; instance: number }[]; lastAt: number; start: number }> {
  const start = clock.now;
  const queue: Copy[] = Array.from({ length: copies }, (_, n) => ({ conversationId: `c-${n}`, instance: instanceOf(n), at: start + Math.floor((n * 1_000) / perSecond) }));
  const departures: { at: number; instance: number }[] = [];
  const leave = (copy: Copy, sendAt: number): void => {
    clock.schedule(() => {
      const pacer = instances[copy.instance]?.pacer;
      if (pacer === undefined) return;
      const gate = pacer.depart('t', clock.now);
      if ('noRoomUntil' in gate) {
        queue.push({ ...copy, at: gate.noRoomUntil, heldSlotAt: undefined });
        return;
      }
      clock.schedule(() => {
        departures.push({ at: clock.now, instance: copy.instance });
        clock.schedule(() => gate.landed(clock.now), latencyInMs);
      }, gate.at - clock.now);
    }, sendAt - clock.now);
  };
  for (let t = start; departures.length < copies && t < start + 120_000; t += stepInMs) {
    await clock.advance(t);
    const due = queue.filter((copy) => copy.at <= clock.now);
    for (const copy of due) queue.splice(queue.indexOf(copy), 1);
    // Answers come when they come (a lease may wait for the clock): each is handled as it settles.
    for (const copy of due) {
      const pacer = instances[copy.instance]?.pacer;
      if (pacer === undefined) throw new Error('no such instance');
      const asked = clock.now;
      void pacer.pace({ tenantId: 't', conversationId: copy.conversationId, now: new Date(asked), maxWaitInMs: 1_000, ...(copy.heldSlotAt === undefined ? {} : { heldSlotAt: copy.heldSlotAt }) }).then((answer: PaceAnswer) => {
        if (answer.kind === 'sendAfter') leave(copy, clock.now + answer.delayInMs);
        else queue.push({ ...copy, at: answer.returnAt.getTime(), heldSlotAt: answer.until.getTime() });
      });
    }
  }
  return { departures, lastAt: Math.max(...departures.map((d) => d.at)) - start, start };
}

describe('RateSharePacer', () => {
  it('one instance alone sends at the ceiling, within it, at about one Table operation per 50 sends', async () => {
    const clock = new FakeClock();
    const one = instance(new MemoryBudgetStore(), clock, 'a');
    const { departures, lastAt } = await run([one], clock, { copies: 500, perSecond: 60 });
    expect(departures).toHaveLength(500);
    expect(mostInAnyWindow(departures.map((d) => d.at), 1_000)).toBeLessThanOrEqual(50);
    // 500 at 50 a second: 10 s at best.
    expect(lastAt).toBeLessThan(11_000);
    expect(one.budget.counters.tableOperations / departures.length).toBeLessThanOrEqual(0.05);
  });

  it('four instances sharing the tenant stay within its limit together, use most of it, and spend at most one Table operation per 10 sends', async () => {
    const store = new MemoryBudgetStore();
    const clock = new FakeClock();
    const instances = ['a', 'b', 'c', 'd'].map((id) => instance(store, clock, id));
    const { departures, lastAt } = await run(instances, clock, { copies: 1_200, perSecond: 48 });
    expect(departures).toHaveLength(1_200);
    expect(mostInAnyWindow(departures.map((d) => d.at), 1_000)).toBeLessThanOrEqual(50);
    // Each took its turn of the copies, and none was starved.
    for (let i = 0; i < 4; i++) expect(departures.filter((d) => d.instance === i)).toHaveLength(300);
    // 1,200 at 48 a second arrive over 25 s: the parts settle at once and keep up (the ceiling would take 24 s).
    expect(lastAt).toBeLessThan(26_500);
    const operations = instances.reduce((sum, { budget }) => sum + budget.counters.tableOperations, 0);
    expect(operations / departures.length).toBeLessThanOrEqual(0.1);
  });

  it('when the other instance runs out of copies, the one still receiving grows into its part', async () => {
    const store = new MemoryBudgetStore();
    const clock = new FakeClock();
    const instances = ['a', 'b'].map((id) => instance(store, clock, id));
    // 600 copies at 48 a second: the first 300 alternate, the last 300 all go to a (b's sessions ran dry).
    const { departures, lastAt, start } = await run(instances, clock, { copies: 600, perSecond: 48, instanceOf: (n) => (n < 300 ? n % 2 : 0) });
    expect(departures).toHaveLength(600);
    expect(mostInAnyWindow(departures.map((d) => d.at), 1_000)).toBeLessThanOrEqual(50);
    // Held to half the limit, a would need 12 s for its last 300 after b stopped; it gets b's part within seconds.
    expect(lastAt).toBeLessThan(14_500);
    const late = departures.filter((d) => d.at - start > 10_000);
    expect(mostInAnyWindow(late.map((d) => d.at), 1_000)).toBeGreaterThan(40);
  });

  it('holds the limit when requests take long to be answered (a busy machine): each counts until its answer', async () => {
    const store = new MemoryBudgetStore();
    const clock = new FakeClock();
    const instances = ['a', 'b'].map((id) => instance(store, clock, id));
    const { departures } = await run(instances, clock, { copies: 300, perSecond: 60, latencyInMs: 400 });
    expect(departures).toHaveLength(300);
    // Teams counts arrivals, somewhere up to the answer: a window stretched by the latency still holds the limit.
    expect(mostInAnyWindow(departures.map((d) => d.at), 1_000 - 400)).toBeLessThanOrEqual(50);
    expect(mostInAnyWindow(departures.map((d) => d.at), 1_000)).toBeLessThanOrEqual(50);
  });

  it('an instance that stops renewing (it died) leaves its part to the others within its validity, one window and the arrival lag', async () => {
    const store = new MemoryBudgetStore();
    const clock = new FakeClock();
    const aTimers = new FakeClock();
    aTimers.now = clock.now;
    const [a, b] = [instance(store, clock, 'a', aTimers), instance(store, clock, 'b')];
    // a takes the whole limit alone, fifty copies at once (its lease gathers for 30 ms on its own timers); then it
    // dies: nothing of it runs again.
    const leased = Promise.all(Array.from({ length: 50 }, (_, n) => a.pacer.pace({ tenantId: 't', conversationId: `x-${n}`, now: new Date(clock.now), maxWaitInMs: 1_000 })));
    await aTimers.advance(aTimers.now + 30);
    clock.now = aTimers.now;
    await leased;
    const diedAt = clock.now;
    expect(a.pacer.rateAt('t', clock.now)).toBe(50);
    // b asks now: nothing while a's part counts.
    expect((await ask(clock, b.pacer, 'y')).kind).toBe('reschedule');
    // a's first part was valid for 500 ms (renewed after 250 ms, plus 250): then one window and the lag, and b's renewal.
    await clock.advance(diedAt + 500 + policy.shares.windowInMs + policy.shares.arrivalLagInMs + 1_000);
    expect((await burst(clock, b.pacer)).every((answer) => answer.kind === 'sendAfter')).toBe(true);
    expect(b.pacer.rateAt('t', clock.now)).toBe(50);
  });

  it('a 429 one instance hears holds back the other until Retry-After, once it has read the row', async () => {
    const store = new MemoryBudgetStore();
    const clock = new FakeClock();
    const [a, b] = [instance(store, clock, 'a'), instance(store, clock, 'b')];
    await a.pacer.coolDownTenant('t', 3_000, new Date(clock.now));
    const heardAt = clock.now;
    expect(a.pacer.tenantCoolDownUntil('t')).toBe(heardAt + 3_000);
    expect(b.pacer.tenantCoolDownUntil('t')).toBe(Number.NEGATIVE_INFINITY);
    // b leases its part, reading the row: it learns of the cool-down there, and its slot lies after it.
    const answer = await ask(clock, b.pacer, 'c');
    expect(b.pacer.tenantCoolDownUntil('t')).toBe(heardAt + 3_000);
    expect(answer.kind).toBe('reschedule');
  });

  it("a copy that comes back holding no booking here is paced afresh: its conversation's windows count it", async () => {
    const clock = new FakeClock();
    const { pacer } = instance(new MemoryBudgetStore(), clock, 'a');
    // Seven sends to one conversation fill its 1 s window.
    for (let n = 0; n < 7; n++) expect((await ask(clock, pacer, 'busy')).kind).toBe('sendAfter');
    const now = clock.now;
    // A copy of it sent back earlier holding nothing (its pacedUntil is only a time not to send before).
    const back = await pacer.pace({ tenantId: 't', conversationId: 'busy', now: new Date(now), maxWaitInMs: 1_000, heldSlotAt: now });
    const sendsAt = back.kind === 'sendAfter' ? now + back.delayInMs : back.until.getTime();
    expect(sendsAt).toBeGreaterThanOrEqual(now + 900);
  });

  it('a copy its instance has no room for comes back shortly holding nothing, not booked far ahead', async () => {
    const store = new MemoryBudgetStore();
    const clock = new FakeClock();
    const [a, b] = [instance(store, clock, 'a'), instance(store, clock, 'b')];
    await burst(clock, a.pacer);
    // It may wait 100 ms, and its part has room only after its renewal, 250 ms on.
    const answer = await askWithin(clock, b.pacer, 'y', 100);
    expect(answer.kind).toBe('reschedule');
    if (answer.kind !== 'reschedule') return;
    expect(answer.returnAt.getTime() - clock.now).toBeLessThanOrEqual(500);
    expect(answer.until.getTime()).toBe(answer.returnAt.getTime());
    // Its gate refuses as well: nothing leaves on a part with no room.
    expect(b.pacer.depart('t', clock.now)).toEqual({ noRoomUntil: expect.any(Number) as number });
  });

  it('a copy whose part has no room yet waits for its renewal when it is near, and is sent from this instance', async () => {
    const store = new MemoryBudgetStore();
    const clock = new FakeClock();
    const [a, b] = [instance(store, clock, 'a'), instance(store, clock, 'b')];
    await burst(clock, a.pacer);
    const asked = clock.now;

    const answer = await askWithin(clock, b.pacer, 'y', 1_000);

    // The first instance held the whole limit; both renew their first parts 250 ms on, and it is shared then.
    expect(answer.kind).toBe('sendAfter');
    expect(clock.now - asked).toBeGreaterThanOrEqual(250);
    expect(b.pacer.rateAt('t', clock.now)).toBeGreaterThan(0);
  });

  it('while a renewal is under way, a request beyond what the lease claims is refused for 25 ms, not booked ahead under the claim', async () => {
    const store = new MemoryBudgetStore();
    const clock = new FakeClock();
    const { pacer } = instance(store, clock, 'a');
    expect((await ask(clock, pacer, 'x')).kind).toBe('sendAfter');
    // Past the first renewal (250 ms), three requests leave; the next renewal then waits on the table (a slow write).
    await clock.advance(clock.now + 300);
    const left = clock.now;
    for (let n = 0; n < 3; n++) {
      const gate = pacer.depart('t', left);
      if (!('at' in gate)) throw new Error('the part had room');
      gate.landed(left);
    }
    let finishWrite: (() => void) | undefined;
    const write = store.write.bind(store);
    jest.spyOn(store, 'write').mockImplementation(async (...args) => {
      await new Promise<void>((resolve) => (finishWrite = resolve));
      return write(...args);
    });
    for (let i = 0; finishWrite === undefined && i < 300; i++) await clock.advance(clock.now + 10);
    // Under the claim of three, a fourth would have room when the first three age out, 1,005 ms after they left.
    await clock.advance(Math.max(clock.now, left + 960));
    expect(finishWrite).toBeDefined();

    expect(pacer.depart('t', clock.now)).toEqual({ noRoomUntil: clock.now + 25 });
    finishWrite?.();
    await clock.advance(clock.now + 25);
    expect(pacer.depart('t', clock.now)).toMatchObject({ at: clock.now });
  });

  it("a full part's first window leaves within 250 ms, in groups of a fifth of the part per 50 ms", async () => {
    const clock = new FakeClock();
    const { pacer } = instance(new MemoryBudgetStore(), clock, 'a');
    const asked = clock.now;
    const answers = Array.from({ length: 50 }, (_, n) => pacer.pace({ tenantId: 't', conversationId: `c-${n}`, now: new Date(asked), maxWaitInMs: 1_000 }));
    await clock.advance(asked + 50);
    const slots = (await Promise.all(answers)).map((answer) => {
      if (answer.kind !== 'sendAfter') throw new Error('a copy of the first window was sent back');
      return clock.now + answer.delayInMs;
    });
    // Teams' windows slide: every later window of the broadcast keeps this one's shape (in groups of 5, 450 ms).
    expect(Math.max(...slots) - Math.min(...slots)).toBeLessThan(250);
    expect(mostInAnyWindow(slots, 50)).toBeLessThanOrEqual(10);
  });

  /** A burst fills the first window; copies asked 300 ms later, allowed to wait 100 ms, are rescheduled to the next two (full) windows. */
  async function twoWindowsAhead(clock: FakeClock, pacer: RateSharePacer): Promise<{ start: number; held: { conversationId: string; slotAt: number }[] }> {
    const start = clock.now;
    await burst(clock, pacer);
    await clock.advance(start + 300);
    const answers = await Promise.all(Array.from({ length: 100 }, async (_, n) => pacer.pace({ tenantId: 't', conversationId: `ahead-${n}`, now: new Date(clock.now), maxWaitInMs: 100 })));
    const held = answers.map((answer, n) => {
      if (answer.kind !== 'reschedule') throw new Error(`copy ${n} was not rescheduled to a slot`);
      return { conversationId: `ahead-${n}`, slotAt: answer.until.getTime() };
    });
    return { start, held };
  }

  it('a rescheduled copy the queue hands back late (a busy machine) goes at once, not behind every copy booked after it', async () => {
    const clock = new FakeClock();
    const { pacer } = instance(new MemoryBudgetStore(), clock, 'a');
    const { start, held } = await twoWindowsAhead(clock, pacer);
    // The next two windows are booked in full (50 each), up to two seconds on.
    expect(held.filter(({ slotAt }) => slotAt >= start + 2_000)).toHaveLength(50);
    const late = held[0] as { conversationId: string; slotAt: number };
    await clock.advance(late.slotAt + 300);

    const answer = await pacer.pace({ tenantId: 't', conversationId: late.conversationId, now: new Date(clock.now), maxWaitInMs: 1_000, heldSlotAt: late.slotAt });

    // Booked again, it would land after the full window ahead, be late again on a busy machine, and so on: under
    // load four instances passed copies around for a minute and sent nothing. The departure gate holds the part.
    expect(answer).toEqual({ kind: 'sendAfter', delayInMs: 0, release: expect.any(Function) as () => void });
    // Its conversation's booking moved to now; handing the slot back frees it.
    expect([pacer.local.holds(late.conversationId, clock.now), pacer.local.holds(late.conversationId, late.slotAt)]).toEqual([true, false]);
    if (answer.kind === 'sendAfter') answer.release();
    expect(pacer.local.holds(late.conversationId, clock.now)).toBe(false);
  });

  it('a late copy holding no booking here (sent back holding nothing) does not go ahead of copies booked before it', async () => {
    const clock = new FakeClock();
    const { pacer } = instance(new MemoryBudgetStore(), clock, 'a');
    await twoWindowsAhead(clock, pacer);
    const comesBackAt = clock.now;
    await clock.advance(comesBackAt + 300);

    const answer = await pacer.pace({ tenantId: 't', conversationId: 'sent-back', now: new Date(clock.now), maxWaitInMs: 1_000, heldSlotAt: comesBackAt });

    expect(answer.kind).not.toBe('sendAfter');
  });

  it('a late copy does not go during a tenant cool-down (a 429): nothing is booked before its Retry-After', async () => {
    const clock = new FakeClock();
    const { pacer } = instance(new MemoryBudgetStore(), clock, 'a');
    const { held } = await twoWindowsAhead(clock, pacer);
    const late = held[0] as { conversationId: string; slotAt: number };
    await clock.advance(late.slotAt + 300);
    await pacer.coolDownTenant('t', 5_000, new Date(clock.now));
    const coolDownUntil = clock.now + 5_000;

    const answer = await pacer.pace({ tenantId: 't', conversationId: late.conversationId, now: new Date(clock.now), maxWaitInMs: 1_000, heldSlotAt: late.slotAt });

    // Rescheduled (it is paced again when it comes back), or sent after the cool-down: never during it.
    const sendsDuringCoolDown = answer.kind === 'sendAfter' && clock.now + answer.delayInMs < coolDownUntil;
    expect(sendsDuringCoolDown).toBe(false);
  });

  it('a copy far behind its part comes back after half a second at least, not within a few ms', async () => {
    const clock = new FakeClock();
    const { pacer } = instance(new MemoryBudgetStore(), clock, 'a');
    const { start } = await twoWindowsAhead(clock, pacer);
    // The earliest free slot is in the fourth window, just past the two seconds a copy is held for.
    await clock.advance(start + 990);

    const asked = clock.now;
    const answer = await askWithin(clock, pacer, 'far', 100);

    expect(answer.kind).toBe('reschedule');
    if (answer.kind !== 'reschedule') return;
    expect(answer.returnAt.getTime() - asked).toBeGreaterThanOrEqual(500);
  });

  it('a part that grew from little to much is renewed within a second, not when the small part would have been', async () => {
    const store = new MemoryBudgetStore();
    const clock = new FakeClock();
    const [a, b] = [instance(store, clock, 'a'), instance(store, clock, 'b')];
    const leasesOfA: { at: number; rate: number }[] = [];
    // For 3 s b has copies all the time and a few; then b falls quiet (it gives its part back) and a is busy.
    for (let t = 0; t < 9_000; t += 10) {
      if (t < 3_000 && t % 20 === 0) void b.pacer.pace({ tenantId: 't', conversationId: `b-${t}`, now: new Date(clock.now), maxWaitInMs: 1_000 });
      if (t % (t < 3_000 ? 250 : 20) === 0) void a.pacer.pace({ tenantId: 't', conversationId: `a-${t}`, now: new Date(clock.now), maxWaitInMs: 1_000 });
      const before = a.budget.counters.leases;
      await clock.advance(clock.now + 10);
      if (a.budget.counters.leases > before) leasesOfA.push({ at: clock.now, rate: a.pacer.rateAt('t', clock.now + 1_000) });
    }
    const grown = leasesOfA.findIndex((lease, i) => i > 0 && lease.rate >= 40 && (leasesOfA[i - 1]?.rate ?? 0) <= 12);
    expect(grown).toBeGreaterThan(0);
    const next = leasesOfA[grown + 1];
    expect(next).toBeDefined();
    // A small part is renewed every 2.5 s (two Table operations for the few requests it carries); a large one every second.
    expect((next?.at ?? Number.POSITIVE_INFINITY) - (leasesOfA[grown]?.at ?? 0)).toBeLessThanOrEqual(1_300);
  });

  it('a request the gate refuses while its part is being leased is told to ask again within a round trip', async () => {
    const clock = new FakeClock();
    const { pacer } = instance(new MemoryBudgetStore(), clock, 'a');
    // No part yet: the gate starts the lease and refuses until it is in.
    expect(pacer.depart('t', clock.now)).toEqual({ noRoomUntil: clock.now + 25 });
    await clock.advance(clock.now + 50);
    const gate = pacer.depart('t', clock.now);
    expect('at' in gate && gate.at).toBe(clock.now);
  });
});
