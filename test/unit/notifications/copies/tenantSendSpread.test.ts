import { maxSendSpreadInMs, sendSpreadFor, spreadSends } from '../../../../shared/notifications/copies/tenantSendSpread';
import { type DeliveryMessage } from '../../../../shared/queue/deliveryMessage';
import { type QueuedDelivery } from '../../../../shared/queue/deliveryQueue';
import { toServiceBusMessage } from '../../../../shared/queue/serviceBusMessageShape';

const now = new Date('2026-03-01T10:00:00.000Z');
const spread = { perTenantPerSecond: 50, leadInMs: 1_000 };

function send(conversationId: string, tenantId: string | undefined, notBefore?: Date): QueuedDelivery {
  const body: DeliveryMessage = { version: 1, notificationId: 'n-1', conversationId, operation: 'send', attempt: 1, revision: 0, activity: { type: 'message', text: 'hi' } };
  if (tenantId !== undefined) body.tenantId = tenantId;
  return notBefore === undefined ? { body } : { body, notBefore };
}

function offsets(queued: readonly QueuedDelivery[]): (number | undefined)[] {
  return queued.map((q) => (q.notBefore === undefined ? undefined : q.notBefore.getTime() - now.getTime()));
}

describe('spreading a batch of sends over the tenant budget', () => {
  it('sends a tenant’s first second at once and each later copy a lead before its turn at the tenant’s rate', () => {
    const batch = Array.from({ length: 200 }, (_, k) => send(`c${k}`, 't1'));

    const at = offsets(spreadSends(batch, spread, now));

    expect(at.slice(0, 51).every((offset) => offset === undefined)).toBe(true);
    expect(at[51]).toBe(20);
    expect(at[100]).toBe(1_000);
    expect(at[199]).toBe(2_980);
    expect(offsets(spreadSends(batch, undefined, now)).every((offset) => offset === undefined)).toBe(true);
  });

  it('sends a tenant’s first window at once however short the lead: the first window’s burst shapes every later one', () => {
    const batch = Array.from({ length: 60 }, (_, k) => send(`c${k}`, k < 55 ? 't1' : 't2'));

    const at = offsets(spreadSends(batch, { perTenantPerSecond: 50, leadInMs: 0, atOnce: 50 }, now));

    expect(at.slice(0, 50).every((offset) => offset === undefined)).toBe(true);
    expect(at.slice(50, 55)).toEqual([1_000, 1_020, 1_040, 1_060, 1_080]);
    // Another tenant's copies have their own first window.
    expect(at.slice(55).every((offset) => offset === undefined)).toBe(true);
    expect(sendSpreadFor({ perTenantRequestsPerSecond: 50 }).atOnce).toBe(50);
  });

  it('counts each tenant on its own, so two tenants’ broadcasts run side by side', () => {
    const batch = Array.from({ length: 120 }, (_, k) => send(`c${k}`, k % 2 === 0 ? 't1' : 't2'));

    const at = offsets(spreadSends(batch, spread, now));

    // The 110th and 111th copies are each tenant's 55th.
    expect(at[108]).toBe(at[109]);
    expect(at[108]).toBe(80);
  });

  it('follows the copies queued ahead (an earlier fan-out page) and spreads a scheduled send from its time', () => {
    const sendAt = new Date(now.getTime() + 3_600_000);

    const [afterPage, scheduled] = spreadSends([send('c1', 't1'), send('c2', 't1', sendAt)], { ...spread, queuedAhead: 1_000 }, now);

    expect(afterPage?.notBefore).toEqual(new Date(now.getTime() + 19_000));
    expect(scheduled?.notBefore).toEqual(new Date(sendAt.getTime() + 19_020));
  });

  it('leaves sends without a tenant and other operations as they are, and caps how far a copy is put off', () => {
    const update: QueuedDelivery = { body: { ...send('c', 't1').body, operation: 'update' } };
    const batch = [update, send('c0', undefined), send('c1', 't1')];

    expect(offsets(spreadSends(batch, { ...spread, queuedAhead: 10_000_000 }, now))).toEqual([undefined, undefined, maxSendSpreadInMs]);
  });

  it('keeps every message id, so a repeated page or request is still dropped as a duplicate', () => {
    const batch = Array.from({ length: 300 }, (_, k) => send(`c${k}`, 't1'));

    const ids = (queued: readonly QueuedDelivery[]): unknown[] => queued.map((q) => toServiceBusMessage(q, now).messageId);

    expect(ids(spreadSends(batch, sendSpreadFor({ perTenantRequestsPerSecond: 50 }), now))).toEqual(ids(batch));
  });
});
