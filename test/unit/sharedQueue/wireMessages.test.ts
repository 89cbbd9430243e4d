import { type ServiceBusReceivedMessage } from '@azure/service-bus';

import { InProcessServiceBus } from '../../../dev/inProcessServiceBus/inProcessServiceBus';
import { fromWireDelivery, fromWireMessage, toWireDelivery, toWireMessage } from '../../../dev/sharedQueue/wireMessages';
import { type DeliveryMessage } from '../../../shared/queue/deliveryMessage';
import { toServiceBusMessage } from '../../../shared/queue/serviceBusMessageShape';
import { queueNames } from '../../../shared/resourceNames';
import { ManualQueueClock, settle } from '../inProcessServiceBus/manualQueueClock';

const body: DeliveryMessage = {
  version: 1,
  notificationId: 'n-1',
  operation: 'send',
  conversationId: 'a:1chat',
  attempt: 2,
  revision: 0,
  expiresAt: '2026-03-01T11:00:00.000Z',
  activity: { type: 'message', text: 'Deploy <b>4711</b> done ✓' },
};

/** What travels as JSON text, as the broker and its clients exchange it. */
function overJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('shared queue wire messages', () => {
  it('carry the message the gateway sends (toServiceBusMessage) with its body as the bytes the SDK would encode', () => {
    const now = new Date('2026-03-01T10:00:00.000Z');
    const message = toServiceBusMessage({ body, notBefore: new Date('2026-03-01T10:00:05.000Z') }, now);
    const back = fromWireMessage(overJson(toWireMessage(message)));
    const { body: sentBody, ...rest } = message;
    const { body: wireBody, ...wireRest } = back;
    expect(wireRest).toEqual(rest);
    expect(wireRest.scheduledEnqueueTimeUtc).toEqual(new Date('2026-03-01T10:00:05.000Z'));
    expect(Buffer.isBuffer(wireBody)).toBe(true);
    expect(JSON.parse((wireBody as Buffer).toString('utf8'))).toEqual(sentBody);
  });

  it('hand a receiving process the same received message as the in-process queue hands its own consumer', async () => {
    const clock = new ManualQueueClock();
    const bus = new InProcessServiceBus({ clock });
    const received: ServiceBusReceivedMessage[] = [];
    bus.subscribe(queueNames.notifications, async (context) => {
      received.push(...(Array.isArray(context.messages) ? context.messages : [context.messages]));
      return Promise.resolve();
    });
    // Sent the way a gateway process sends to the broker: over the wire.
    await bus.sendMessages(fromWireMessage(overJson(toWireMessage(toServiceBusMessage({ body }, new Date(clock.now()))))));
    await settle();
    const original = received[0];
    if (original === undefined) throw new Error('nothing was delivered');

    const remote = fromWireDelivery(overJson(toWireDelivery(original)));

    expect(remote).toEqual(original);
    expect(remote.body).toEqual(body);
    expect(remote.lockToken).toBe(original.lockToken);
    await bus.close();
  });

  it("keep a dead-lettered message's reason, source and delivery count", async () => {
    const clock = new ManualQueueClock();
    const bus = new InProcessServiceBus({ clock });
    const queue: ServiceBusReceivedMessage[] = [];
    const deadLetters: ServiceBusReceivedMessage[] = [];
    bus.subscribe(queueNames.notifications, async (context) => {
      const [message] = Array.isArray(context.messages) ? context.messages : [context.messages];
      if (message !== undefined) queue.push(message);
      if (message !== undefined) await context.actions.deadletter(message, undefined, 'DeliveryFailed', 'Teams answered 403');
    });
    bus.subscribe(bus.deadLetterQueuePath, async (context) => {
      deadLetters.push(...(Array.isArray(context.messages) ? context.messages : [context.messages]));
      return Promise.resolve();
    });
    await bus.enqueue([{ body }]);
    await settle();
    const original = deadLetters[0];
    if (original === undefined) throw new Error('nothing was dead-lettered');

    const remote = fromWireDelivery(overJson(toWireDelivery(original)));

    expect(remote).toEqual(original);
    expect(remote).toMatchObject({ deadLetterReason: 'DeliveryFailed', deadLetterErrorDescription: 'Teams answered 403', deadLetterSource: bus.queuePath, deliveryCount: 1 });
    expect(remote.expiresAtUtc).toBeUndefined();
    await bus.close();
  });
});
