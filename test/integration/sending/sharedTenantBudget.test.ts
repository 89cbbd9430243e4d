import { createHash } from 'node:crypto';

import { type InvocationContext } from '@azure/functions';

import { senderDependencies, sendHandler } from '../../../functions/send';
import { type DeliveryPacer } from '../../../shared/delivery/deliveryPacer';
import { createDeliveryPacer, tenantBudgetPolicy } from '../../../shared/delivery/deliveryPacerFactory';
import { toReceivedDeliveries } from '../../../shared/queue/serviceBusTrigger';
import { createDeliverySender } from '../../../shared/sending/deliverySender';
import { createTableClient } from '../../../shared/store/tableClientFactory';
import { TableTenantBudgetStore, tenantBudgetTableName } from '../../../shared/store/tableTenantBudgetStore';
import { DeliveryRig, newTenantId, type PostedCopy, quietConsole, uniqueText } from './deliveryRig';

/**
 * Two instances sharing one tenant: two sender stacks, each with its own pacer and its own shared-budget
 * client (as two processes have), taking turns on one queue by session (as Service Bus hands a session to one
 * instance at a time), on one Azurite and one Teams emulator. Each pacer's ceiling is 5: sharing, the two
 * send at most 5 per window between them (checked on the send times the pacers gave out: pacing alone, each
 * would give out 5 per window on its own, 10 together). Teams' tenant limit is set to 15 per second, so even
 * three windows' bursts arriving together on a loaded CI machine stay within it and nothing is throttled.
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
  expect(sendTimes).toHaveLength(conversations);
  // Pacing alone, the two would give out 2 × ceiling per window. Shared, the budget grants at most `ceiling`
  // per window, each window's in one group at its start. The send times seen here also carry the process's
  // scheduling jitter (a CPU-starved CI worker pauses between a grant and this record), and a few ms move one
  // group into the next window, so the check counts over four windows: shared, four windows' grants and one
  // group moved in by jitter (5 × ceiling); alone, twice four windows' (8 × ceiling). Teams' own count (the
  // arrivals below) must never be exceeded.
  const windowInMs = tenantBudgetPolicy({ perTenantRequestsPerSecond: ceiling }).windowInMs;
  expect(mostInAnyWindow(sendTimes, 4 * windowInMs)).toBeLessThanOrEqual(5 * ceiling);
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

/** When each pacer let a send go and the slot was kept (both instances), to check the budget itself, not only what Teams saw. */
const sendTimes: number[] = [];
function recorded(pacer: DeliveryPacer): DeliveryPacer {
  return {
    pace: async (request) => {
      const answer = await pacer.pace(request);
      if (answer.kind !== 'sendAfter') return answer;
      // A slot handed back (nothing to send, or the send woke too late for it and took another) is no send.
      const at = Date.now() + answer.delayInMs;
      sendTimes.push(at);
      const release = (): void => {
        sendTimes.splice(sendTimes.indexOf(at), 1);
        answer.release();
      };
      return { ...answer, release };
    },
    coolDownTenant: async (tenantId, retryAfterInMs, now) => pacer.coolDownTenant(tenantId, retryAfterInMs, now),
    tenantCoolDownUntil: (tenantId) => pacer.tenantCoolDownUntil(tenantId),
    depart: (tenantId, now) => pacer.depart(tenantId, now),
  };
}

it('the tenant row keeps the last lessee and how long the tenant counts as shared, on Table Storage as written', async () => {
  const store = new TableTenantBudgetStore(createTableClient(rig.services.config.tables, tenantBudgetTableName));
  const tenantId = newTenantId();
  const state = { granted: [1_800_000_000_100, 1_800_000_000_150], coolDownUntil: 0, lessee: { id: 'a1b2c3d4', at: 1_800_000_000_000 }, sharedUntil: 1_800_000_002_500 };
  const etag = await store.write(tenantId, state, undefined);
  expect(etag).toEqual(expect.any(String));
  expect(await store.read(tenantId)).toEqual({ state, etag });
  // A row without them (written before they existed) reads as no lessee: the next lease is a quiet start.
  const { lessee: _lessee, sharedUntil: _sharedUntil, ...older } = state;
  const next = await store.write(tenantId, older, etag);
  expect((await store.read(tenantId))?.state).toEqual(older);
  expect(next).not.toBe(etag);
});
