import { createHash } from 'node:crypto';

import { type InvocationContext } from '@azure/functions';

import { senderDependencies, sendHandler } from '../../../functions/send';
import { type DeliveryPacer } from '../../../shared/delivery/deliveryPacer';
import { createDeliveryPacer } from '../../../shared/delivery/deliveryPacerFactory';
import { toReceivedDeliveries } from '../../../shared/queue/serviceBusTrigger';
import { createDeliverySender } from '../../../shared/sending/deliverySender';
import { createTableClient } from '../../../shared/store/tableClientFactory';
import { TableTenantBudgetStore, tenantBudgetTableName } from '../../../shared/store/tableTenantBudgetStore';
import { DeliveryRig, newTenantId, type PostedCopy, quietConsole, uniqueText } from './deliveryRig';

/**
 * Two instances sharing one tenant: two sender stacks, each with its own pacer and its own shared-budget
 * client (as two processes have), taking turns on one queue by session (as Service Bus hands a session to one
 * instance at a time), on one Azurite and one Teams emulator. Each pacer's ceiling is 5: sharing, the two
 * let at most 5 requests leave per second between them (checked on the departures their gates booked: pacing
 * alone, each would book 5 per second on its own, 10 together). Teams' tenant limit is set to 15 per second,
 * so the arrivals Teams counts are checked too, with room for a loaded CI machine.
 */
const tenantLimit = 15;
const ceiling = 5;
const conversations = 48;

let rig: DeliveryRig;
let second: DeliveryPacer;
const handledBy = { first: 0, second: 0 };
const savedCeiling = process.env.PerTenantRequestsPerSecond;

beforeAll(async () => {
  process.env.PerTenantRequestsPerSecond = String(ceiling);
  rig = await DeliveryRig.start({ maxConcurrentSessions: 16, sendHandler: async (trigger, context) => twoInstances(trigger, context) });
  // The second instance: its own pacer and budget client on the same tables.
  second = recorded(createDeliveryPacer({
    settings: rig.services.config.delivery,
    budgetTable: () => createTableClient(rig.services.config.tables, tenantBudgetTableName),
    now: () => new Date(),
    log: () => undefined,
  }));
  rig.services.deliveryPacer = recorded(rig.services.deliveryPacer);
  await rig.control('PUT', '/limits', { tenant: [{ limit: tenantLimit, periodInSeconds: 1 }] });
});
afterAll(async () => {
  await rig.close();
  if (savedCeiling === undefined) delete process.env.PerTenantRequestsPerSecond;
  else process.env.PerTenantRequestsPerSecond = savedCeiling;
});
quietConsole();

it('two instances sharing a tenant stay within its limit together and deliver every copy exactly once', async () => {
  expect(rig.services.config.delivery).toMatchObject({ perTenantRequestsPerSecond: ceiling, perTenantBudget: 'shared' });
  const tenantId = newTenantId();
  const chats = await rig.installQuietly(Array<string>(conversations).fill(tenantId));

  const text = uniqueText('Shared budget');
  const accepted = await rig.notify({ targets: [{ tenantId, scope: 'personal' }], message: { text } });
  expect(accepted.status).toBe(202);
  await rig.settle();

  expect(handledBy.first).toBeGreaterThan(0);
  expect(handledBy.second).toBeGreaterThan(0);
  const arrivals: number[] = [];
  for (const chat of chats) {
    // createdAt is the emulator's arrival stamp: Teams' clock, which is what its limit counts.
    const copies = ((await rig.copies(chat.conversationId)) as (PostedCopy & { createdAt: string })[]).filter((copy) => copy.text === text);
    expect(copies.map((copy) => copy.receivedCount)).toEqual([1]);
    arrivals.push(Date.parse(copies[0]?.createdAt ?? ''));
  }
  const stats = await rig.stats();
  expect(stats.throttled).toBe(0);
  expect(departures).toHaveLength(conversations);
  // Each instance's gate books its requests within its rate share, and the shares add up to the ceiling.
  expect(mostInAnyWindow(departures, 1_000)).toBeLessThanOrEqual(ceiling);
  expect(mostInAnyWindow(arrivals, 1_000)).toBeLessThanOrEqual(tenantLimit);
  const rows = await rig.deliveries(accepted.body.id as string);
  expect(rows.map((row) => row.status)).toEqual(Array<string>(conversations).fill('sent'));
});

/** A session belongs to one instance at a time: here always the same one, chosen by its id. */
async function twoInstances(trigger: unknown, context: InvocationContext): Promise<void> {
  const [delivery] = toReceivedDeliveries(trigger);
  if (delivery === undefined) return;
  if (instanceOf(delivery.message.sessionId) === 'first') {
    handledBy.first++;
    await sendHandler(trigger, context);
    return;
  }
  handledBy.second++;
  const secondSender = createDeliverySender({ ...senderDependencies(rig.services), pacer: second });
  const result = await secondSender.process(delivery.message);
  if (result.settlement.kind === 'deadLetter') await delivery.settlement.deadLetter(result.settlement.reason, result.settlement.description);
  else await delivery.settlement.complete();
}

function instanceOf(sessionId: string | undefined): 'first' | 'second' {
  const digest = createHash('sha256')
    .update(sessionId ?? '')
    .digest();
  return (digest[0] ?? 0) % 2 === 0 ? 'first' : 'second';
}

/** The most times any half-open window (t − w, t] holds, as Teams counts them. */
function mostInAnyWindow(times: readonly number[], windowInMs: number): number {
  let most = 0;
  for (const t of times) most = Math.max(most, times.filter((other) => other > t - windowInMs && other <= t).length);
  return most;
}

/** When each instance's departure gate let a request leave (both instances), to check the budget itself, not only what Teams saw. */
const departures: number[] = [];
function recorded(pacer: DeliveryPacer): DeliveryPacer {
  return {
    pace: async (request) => pacer.pace(request),
    coolDownTenant: async (tenantId, retryAfterInMs, now) => pacer.coolDownTenant(tenantId, retryAfterInMs, now),
    tenantCoolDownUntil: (tenantId) => pacer.tenantCoolDownUntil(tenantId),
    depart: (tenantId, now) => {
      const gate = pacer.depart(tenantId, now);
      if ('at' in gate) departures.push(gate.at);
      return gate;
    },
  };
}

it('the tenant row keeps every instance\'s rate share and the last 429, on Table Storage as written', async () => {
  const store = new TableTenantBudgetStore(createTableClient(rig.services.config.tables, tenantBudgetTableName));
  const tenantId = newTenantId();
  const at = 1_800_000_000_000;
  const shares = {
    a1b2c3d4: { steps: [[at, 3], [at + 400, 25]] as [number, number][], until: at + 1_250, want: 30, prior: 12, priorUntil: at + 1_005 },
    e5f6a7b8: { steps: [[at + 100, 25]] as [number, number][], until: at + 1_350, want: 25, prior: 0, priorUntil: at + 100 },
  };
  const state = { coolDownUntil: at + 2_000, throttled: { limit: 40, at }, shares };
  const etag = await store.write(tenantId, state, undefined);
  expect(etag).toEqual(expect.any(String));
  expect(await store.read(tenantId)).toEqual({ state, etag });
  // A write on a stale ETag loses: another instance leased in between, and this one must read again.
  expect(await store.write(tenantId, { coolDownUntil: 0 }, 'W/"datetime\'2020-01-01T00%3A00%3A00.0000000Z\'"')).toBeUndefined();
  const { throttled: _throttled, shares: _shares, ...quiet } = state;
  const next = await store.write(tenantId, quiet, etag);
  expect((await store.read(tenantId))?.state).toEqual(quiet);
  expect(next).not.toBe(etag);
});
