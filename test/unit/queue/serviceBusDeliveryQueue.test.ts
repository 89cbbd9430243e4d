import { type ServiceBusMessage, type ServiceBusMessageBatch } from '@azure/service-bus';

import { type DeliveryMessage } from '../../../shared/queue/deliveryMessage';
import { createServiceBusDeliveryQueue, type DeliverySender, ServiceBusDeliveryQueue } from '../../../shared/queue/serviceBusDeliveryQueue';

const now = new Date('2026-03-01T10:00:00.000Z');

function delivery(conversationId: string, overrides: Partial<DeliveryMessage> = {}): DeliveryMessage {
  return { version: 1, notificationId: 'n-1', operation: 'send', conversationId, attempt: 1, revision: 0, activity: { type: 'message', text: 'hi' }, ...overrides };
}

/** A sender whose batches hold `capacity` messages; it records what was sent, batch by batch. */
class FakeSender implements DeliverySender {
  readonly sent: ServiceBusMessage[][] = [];
  batchesCreated = 0;
  closed = false;
  failSend: Error | undefined;

  constructor(private readonly capacity: number) {}

  createMessageBatch(): Promise<ServiceBusMessageBatch> {
    this.batchesCreated++;
    const messages: ServiceBusMessage[] = [];
    const capacity = this.capacity;
    const batch = {
      messages,
      get count() {
        return messages.length;
      },
      sizeInBytes: 0,
      maxSizeInBytes: capacity * 1000,
      tryAddMessage: (message: ServiceBusMessage) => {
        if (messages.length >= capacity || JSON.stringify(message.body).length > 1000) return false;
        messages.push(message);
        return true;
      },
    };
    return Promise.resolve(batch as unknown as ServiceBusMessageBatch);
  }

  sendMessages(batch: unknown): Promise<void> {
    if (this.failSend !== undefined) return Promise.reject(this.failSend);
    this.sent.push([...(batch as { messages: ServiceBusMessage[] }).messages]);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

describe('ServiceBusDeliveryQueue', () => {
  it('packs deliveries into as few batches as fit and sends them in order, scheduled ones included', async () => {
    const sender = new FakeSender(2);
    const queue = new ServiceBusDeliveryQueue(sender, { now: () => now });
    const later = new Date('2026-03-01T12:00:00.000Z');

    await queue.enqueue([
      { body: delivery('c-1') },
      { body: delivery('c-2'), notBefore: later },
      { body: delivery('c-3') },
      { body: delivery('c-1', { operation: 'update', revision: 1 }) },
      { body: delivery('c-4') },
    ]);

    expect(sender.sent.map((batch) => batch.map((m) => `${m.sessionId}/${String(m.subject)}`))).toStrictEqual([
      ['c-1/send', 'c-2/send'],
      ['c-3/send', 'c-1/update'],
      ['c-4/send'],
    ]);
    expect(sender.sent[0]![1]!.scheduledEnqueueTimeUtc).toEqual(later);
    expect(sender.sent[0]![0]).not.toHaveProperty('scheduledEnqueueTimeUtc');
  });

  it('sends nothing for nothing', async () => {
    const sender = new FakeSender(2);

    await new ServiceBusDeliveryQueue(sender).enqueue([]);

    expect(sender.batchesCreated).toBe(0);
    expect(sender.sent).toHaveLength(0);
  });

  it('refuses a delivery too large for an empty batch, as PAYLOAD_TOO_LARGE', async () => {
    const sender = new FakeSender(2);
    const huge = delivery('c-1', { activity: { type: 'message', text: 'x'.repeat(2000) } });

    await expect(new ServiceBusDeliveryQueue(sender).enqueue([{ body: huge }])).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(sender.sent).toHaveLength(0);
  });

  it('reports a failed send as QUEUE_UNAVAILABLE with the cause', async () => {
    const sender = new FakeSender(2);
    const cause = new Error('amqp:connection:forced');
    sender.failSend = cause;

    await expect(new ServiceBusDeliveryQueue(sender).enqueue([{ body: delivery('c-1') }])).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE', cause });
  });

  it('closes the sender and then the client', async () => {
    const sender = new FakeSender(2);
    const order: string[] = [];
    const queue = new ServiceBusDeliveryQueue(sender, {}, () => {
      order.push(sender.closed ? 'client after sender' : 'client before sender');
      return Promise.resolve();
    });

    await queue.close();

    expect(order).toStrictEqual(['client after sender']);
  });
});

describe('createServiceBusDeliveryQueue', () => {
  it.each([
    { kind: 'connectionString' as const, connectionString: 'Endpoint=sb://sb-test.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0' },
    { kind: 'identity' as const, fullyQualifiedNamespace: 'sb-test.servicebus.windows.net', clientId: '00000000-0000-0000-0000-000000000001' },
    { kind: 'identity' as const, fullyQualifiedNamespace: 'sb-test.servicebus.windows.net' },
  ])('builds a queue for a $kind connection without connecting', async (connection) => {
    const queue = createServiceBusDeliveryQueue(connection);

    expect(queue).toBeInstanceOf(ServiceBusDeliveryQueue);
    await expect(queue.close()).resolves.toBeUndefined();
  });
});
