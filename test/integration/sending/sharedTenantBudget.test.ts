import { createHash } from 'node:crypto';

import { senderDependencies, sendHandler } from '../../../functions/send';
import { type DeliveryPacer } from '../../../shared/delivery/deliveryPacer';
import { createDeliveryPacer } from '../../../shared/delivery/deliveryPacerFactory';
import { toReceivedDeliveries } from '../../../shared/queue/serviceBusTrigger';
import { queueNames } from '../../../shared/resourceNames';
import { createDeliverySender } from '../../../shared/sending/deliverySender';
import { createTableClient } from '../../../shared/store/tableClientFactory';
import { tenantBudgetTableName } from '../../../shared/store/tableTenantBudgetStore';
import { DeliveryRig, newTenantId, type PostedCopy, quietConsole, uniqueText } from './deliveryRig';

/**
 * Two instances sharing one tenant: two sender stacks, each with its own pacer and its own shared-budget
 * client (as two processes have), taking turns on one queue by session (as Service Bus hands a session to one
 * instance at a time), on one Azurite and one Teams emulator. Teams' tenant limit is set to 10 per second and
 * each pacer's ceiling to 8: pacing alone, the two would offer 16 per second.
 */
const tenantLimit = 10;
const ceiling = 8;
const conversations = 48;

let rig: DeliveryRig;
let second: DeliveryPacer;
const savedCeiling = process.env.PerTenantRequestsPerSecond;

beforeAll(async () => {
  process.env.PerTenantRequestsPerSecond = String(ceiling);
  rig = await DeliveryRig.start({ maxConcurrentSessions: 16 });
  // The second instance: its own pacer and budget client on the same tables.
  second = createDeliveryPacer({
    settings: rig.services.config.delivery,
    budgetTable: () => createTableClient(rig.services.config.tables, tenantBudgetTableName),
    now: () => new Date(),
    log: () => undefined,
  });
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

  const secondSender = createDeliverySender({ ...senderDependencies(rig.services), pacer: second });
  const handledBy = { first: 0, second: 0 };
  rig.bus.subscribe(
    queueNames.notifications,
    async (trigger) => {
      const [delivery] = toReceivedDeliveries(trigger);
      if (delivery === undefined) return;
      // A session belongs to one instance at a time: here always the same one, chosen by its id.
      if (instanceOf(delivery.message.sessionId) === 'first') {
        handledBy.first++;
        await sendHandler(trigger, rig.context());
        return;
      }
      handledBy.second++;
      const result = await secondSender.process(delivery.message);
      if (result.settlement.kind === 'deadLetter') await delivery.settlement.deadLetter(result.settlement.reason, result.settlement.description);
      else await delivery.settlement.complete();
    },
    { maxConcurrentSessions: 16 },
  );

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
  expect(mostInAnySecond(arrivals)).toBeLessThanOrEqual(tenantLimit);
  const rows = await rig.deliveries(accepted.body.id as string);
  expect(rows.map((row) => row.status)).toEqual(Array<string>(conversations).fill('sent'));
});

function instanceOf(sessionId: string | undefined): 'first' | 'second' {
  const digest = createHash('sha256')
    .update(sessionId ?? '')
    .digest();
  return (digest[0] ?? 0) % 2 === 0 ? 'first' : 'second';
}

/** The most arrivals any half-open second (t − 1 s, t] holds, as Teams counts them. */
function mostInAnySecond(times: readonly number[]): number {
  let most = 0;
  for (const t of times) most = Math.max(most, times.filter((other) => other > t - 1_000 && other <= t).length);
  return most;
}
