import { processDeliveryPacer } from '../../../shared/delivery/deliveryPacer';
import { SendPacer } from '../../../shared/delivery/sendPacer';
import { type DeliveryRecord } from '../../../shared/notifications/store/notificationStore';
import { DeliveryRig, newTenantId, type PostedCopy, quietConsole } from './deliveryRig';

/**
 * Chaos: two thousand deliveries (twenty tenant broadcasts to 5 tenants × 20 users) while the emulator
 * answers about a third of all Connector requests with 401, 429, 412, 5xx, slow, reset or hung responses,
 * its token endpoint fails now and then, and tokens live 4 seconds. Afterwards every delivery is sent exactly
 * once or failed with the reason its failure warrants, none is lost, and the duplicates Teams saw are
 * reported.
 *
 * Duplicates: a post whose answer is lost (a `reset` applies the post and then drops the connection; a
 * request that outlives its timeout may still land) cannot be told from one that never arrived, and the
 * policy retries it: a lost answer must not become a lost notification. Those are the only duplicates
 * allowed, at most one per lost answer; no crash happens here, so the send path's own window stays shut.
 *
 * Tuned to finish quickly on two cores: Teams' per-conversation limits are lifted on both sides (pacing
 * has its own tests; 429s are injected here), and volume comes from many notifications to few chats.
 */
const tenants = 5;
const usersPerTenant = 20;
const notifications = 20;

let rig: DeliveryRig;

beforeAll(async () => {
  rig = await DeliveryRig.start({ maxAttempts: 10, requestTimeoutInMs: 2_000, backoffBaseInMs: 50, backoffMaxInMs: 1_000, maxConcurrentSessions: 32 });
  const lifted = [{ limit: 1_000, windowInMs: 1_000 }];
  rig.services.deliveryPacer = processDeliveryPacer(new SendPacer({ perTenantRequestsPerSecond: 1_000, perConversationLimits: lifted }));
  await rig.control('PUT', '/limits', { conversation: [{ limit: 1_000, periodInSeconds: 1 }], tenant: [{ limit: 1_000, periodInSeconds: 1 }] });
});
afterAll(async () => rig.close());
quietConsole();

it('ends every delivery sent exactly once or failed with the right reason, none lost', async () => {
  const tenantIds = Array.from({ length: tenants }, () => newTenantId());
  const chats = await rig.installQuietly(tenantIds.flatMap((tenantId) => Array<string>(usersPerTenant).fill(tenantId)));

  await rig.control('PUT', '/limits', { tokenLifetimeInSeconds: 4 });
  await rig.services.tokens.forceRefresh();
  await rig.control('PUT', '/faults', {
    // A 429 pauses the whole tenant for its Retry-After (1 s here), so its rate is what a storm looks like.
    rates: { '401': 0.05, '429': 0.015, '500': 0.005, '502': 0.04, '503': 0.05, '504': 0.04, '412': 0.03, slow: 0.05, reset: 0.02, hung: 0.005 },
    token: { temporarily_unavailable: 0.2 },
    // Slow answers still arrive well within the request timeout.
    slowDelayInMs: 200,
    seed: 20260301,
  });

  const ids: string[] = [];
  for (let n = 0; n < notifications; n++) {
    const accepted = await rig.notify({ targets: tenantIds.map((tenantId) => ({ tenantId, scope: 'personal' })), message: { text: `Chaos notification ${n}` } });
    expect(accepted.status).toBe(202);
    ids.push(accepted.body.id as string);
  }
  await rig.settle();
  await rig.control('PUT', '/faults', {});
  const stats = await rig.stats();

  // None lost: every fan-out finished, every delivery row is final, nothing is left in either queue.
  const rows: DeliveryRecord[] = (await Promise.all(ids.map(async (id) => rig.deliveries(id)))).flat();
  expect(rows).toHaveLength(tenants * usersPerTenant * notifications);
  const byStatus = countBy(rows, (r) => r.status);
  expect(Object.keys(byStatus).filter((s) => s !== 'sent' && s !== 'failed')).toEqual([]);
  expect(rig.bus.getCounts()).toMatchObject({ active: 0, scheduled: 0, inFlight: 0, deadLettered: 0 });
  expect(rig.handlerErrors).toEqual([]);

  // Failed only for reasons the injected faults warrant: Teams' final 500, or retries outlasted.
  for (const row of rows.filter((r) => r.status === 'failed')) {
    expect([
      ['ServiceError', 'teamsFault'],
      ['RetriesExhausted', 'exhausted'],
      ['RetriesExhausted', 'misconfigured'],
    ]).toContainEqual([row.lastError?.code, row.failureClass]);
  }

  // Sent: each sent row's activity id is a copy with its notification's text in its conversation.
  const copies = new Map<string, PostedCopy[]>();
  for (const chat of chats) copies.set(chat.conversationId, await rig.copies(chat.conversationId));
  const texts = new Map(ids.map((id, n) => [id, `Chaos notification ${n}`]));
  for (const row of rows.filter((r) => r.status === 'sent')) {
    expect(copies.get(row.conversationId!)?.find((c) => c.id === row.activityId)?.text).toBe(texts.get(row.notificationId));
  }
  // Exactly once: every copy Teams holds belongs to a delivery, and extra receipts are the emulator's duplicates.
  const sentIds = new Set(rows.filter((r) => r.status === 'sent').map((r) => r.activityId));
  const allCopies = [...copies.values()].flat();
  const orphans = allCopies.filter((c) => !sentIds.has(c.id));
  let extraReceipts = 0;
  for (const copy of allCopies) extraReceipts += copy.receivedCount - 1;

  // One structured line per final outcome.
  const finalLines = rig.outcomes.filter((o) => o.outcome === 'sent' || o.outcome === 'failed');
  expect(countBy(finalLines, (o) => o.outcome)).toEqual(byStatus);

  const lostAnswers = (stats.faults.reset ?? 0) + rig.outcomes.filter((o) => o.code === 'Timeout').length;
  process.stdout.write(
    `chaos: ${rows.length} deliveries, ${byStatus.sent ?? 0} sent, ${byStatus.failed ?? 0} failed; faults ${JSON.stringify(stats.faults)}; ` +
      `tokens issued ${stats.tokensIssued}; duplicates ${stats.duplicates} (lost answers ${lostAnswers}); copies without a sent row ${orphans.length}\n`,
  );
  expect(stats.duplicates).toBe(extraReceipts);
  expect(stats.duplicates + orphans.length).toBeLessThanOrEqual(lostAnswers);
  // The faults were really there.
  expect(Object.values(stats.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(400);
}, 120_000);

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
