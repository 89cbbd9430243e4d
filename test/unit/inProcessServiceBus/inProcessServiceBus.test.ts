import { type ServiceBusReceivedMessage } from '@azure/service-bus';

import { InProcessServiceBus, type InProcessServiceBusOptions } from '../../../dev/inProcessServiceBus/inProcessServiceBus';
import { type DeliveryMessage } from '../../../shared/queue/deliveryMessage';
import { type QueuedDelivery } from '../../../shared/queue/deliveryQueue';
import { toServiceBusMessage } from '../../../shared/queue/serviceBusMessageShape';
import { type ServiceBusTriggerActions, type ServiceBusTriggerContext, toReceivedDeliveries } from '../../../shared/queue/serviceBusTrigger';
import { deadLetterQueuePath, queueNames } from '../../../shared/resourceNames';
import { ManualQueueClock, settle } from './manualQueueClock';

const minute = 60_000;

function delivery(conversationId: string, notificationId = 'n-1', overrides: Partial<DeliveryMessage> = {}): DeliveryMessage {
  return { version: 1, notificationId, operation: 'send', conversationId, attempt: 1, revision: 0, activity: { type: 'message', text: 'hi' }, ...overrides };
}

/** A consumer that keeps what it receives and settles nothing by itself: the test settles. */
function holdingConsumer() {
  const received: { message: ServiceBusReceivedMessage; actions: ServiceBusTriggerActions }[] = [];
  const handler = (context: ServiceBusTriggerContext): Promise<void> => {
    const messages = Array.isArray(context.messages) ? context.messages : [context.messages];
    for (const message of messages) received.push({ message, actions: context.actions });
    return Promise.resolve();
  };
  const take = (index: number) => {
    const entry = received[index];
    if (entry === undefined) throw new Error(`no delivery #${index}; got ${received.length}`);
    return { ...entry, complete: () => entry.actions.complete(entry.message), abandon: () => entry.actions.abandon(entry.message) };
  };
  const notificationIds = () => received.map((r) => (r.message.body as DeliveryMessage).notificationId);
  return { received, handler, take, notificationIds };
}

describe('InProcessServiceBus', () => {
  let clock: ManualQueueClock;
  let bus: InProcessServiceBus;

  function createBus(options: InProcessServiceBusOptions = {}): InProcessServiceBus {
    bus = new InProcessServiceBus({ clock, ...options });
    return bus;
  }

  beforeEach(() => {
    clock = new ManualQueueClock();
  });

  afterEach(async () => {
    await bus.close();
  });

  describe('delivery', () => {
    it('hands over the Service Bus message shape with the JSON body parsed, like the SDK binding', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler);
      const body = delivery('a:1chat');

      await bus.enqueue([{ body }]);
      await settle();

      const expected = toServiceBusMessage({ body }, new Date(clock.now()));
      expect(consumer.received).toHaveLength(1);
      expect(consumer.take(0).message).toMatchObject({
        body,
        messageId: expected.messageId,
        sessionId: 'a:1chat',
        contentType: 'application/json',
        subject: 'send',
        applicationProperties: expected.applicationProperties,
        deliveryCount: 0,
        enqueuedTimeUtc: new Date(clock.now()),
        lockToken: expect.any(String),
        state: 'active',
      });
      expect(bus.getCounts()).toMatchObject({ active: 0, inFlight: 1 });
    });

    it('gives a handler text, not an object, when the content type is not JSON (as Azure would)', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler);

      await bus.sendMessages({ body: { a: 1 }, messageId: 'm-1', sessionId: 's-1' });
      await settle();

      expect(consumer.take(0).message.body).toBe('{"a":1}');
    });

    it('removes a completed message and refuses a second settlement with MessageLockLost semantics', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler);
      await bus.enqueue([{ body: delivery('c-1') }]);
      await settle();

      await consumer.take(0).complete();
      await expect(consumer.take(0).complete()).rejects.toMatchObject({ name: 'ServiceBusError', code: 'SessionLockLost' });
      await bus.waitForIdle();

      expect(bus.getCounts()).toMatchObject({ active: 0, inFlight: 0, deadLettered: 0, totals: { completed: 1, delivered: 1 } });
    });

    it('redelivers an abandoned message with deliveryCount + 1', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler);
      await bus.enqueue([{ body: delivery('c-1') }]);
      await settle();

      await consumer.take(0).abandon();
      await settle();

      expect(consumer.received.map((r) => r.message.deliveryCount)).toStrictEqual([0, 1]);
      expect(consumer.take(1).message.messageId).toBe(consumer.take(0).message.messageId);
    });

    it('abandons the message when the handler throws, and says so', async () => {
      createBus();
      const errors: string[] = [];
      const counts: number[] = [];
      bus.subscribe(
        queueNames.notifications,
        async (context) => {
          const [message] = context.messages as ServiceBusReceivedMessage[];
          counts.push(message!.deliveryCount!);
          if (counts.length === 1) throw new Error('handler crashed');
          await context.actions.complete(message!);
        },
        { onHandlerError: (error) => errors.push(error.message) },
      );

      await bus.enqueue([{ body: delivery('c-1') }]);
      await bus.waitForIdle();

      expect(counts).toStrictEqual([0, 1]);
      expect(errors).toStrictEqual(['handler crashed']);
      expect(bus.getCounts().totals).toMatchObject({ abandoned: 1, completed: 1 });
    });
  });

  describe('peek-lock', () => {
    it('keeps an unsettled message locked for the lock duration after the handler returns, then redelivers it', async () => {
      createBus({ lockDurationInMs: minute });
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler);
      await bus.enqueue([{ body: delivery('c-1') }]);
      await settle();

      await clock.advanceBy(minute - 1);
      expect(consumer.received).toHaveLength(1);

      await clock.advanceBy(1);
      expect(consumer.received.map((r) => r.message.deliveryCount)).toStrictEqual([0, 1]);
      expect(bus.getCounts().totals.lockExpired).toBe(1);
      await expect(consumer.take(0).complete()).rejects.toMatchObject({ code: 'SessionLockLost' });
    });

    it('loses the lock of a handler that runs past the renewal limit; its later settlement fails', async () => {
      createBus({ lockDurationInMs: minute, maxAutoLockRenewalDurationInMs: 5 * minute });
      const seen: { message: ServiceBusReceivedMessage; actions: ServiceBusTriggerActions }[] = [];
      let release: () => void = () => undefined;
      const stuck = new Promise<void>((resolve) => (release = resolve));
      bus.subscribe(queueNames.notifications, async (context) => {
        const [message] = context.messages as ServiceBusReceivedMessage[];
        seen.push({ message: message!, actions: context.actions });
        if (seen.length === 1) await stuck;
      });
      await bus.enqueue([{ body: delivery('c-1') }]);
      await settle();

      await clock.advanceBy(5 * minute - 1);
      expect(seen).toHaveLength(1);
      await clock.advanceBy(1);

      expect(seen.map((s) => s.message.deliveryCount)).toStrictEqual([0, 1]);
      await expect(seen[0]!.actions.complete(seen[0]!.message)).rejects.toMatchObject({ code: 'SessionLockLost' });
      await expect(seen[1]!.actions.complete(seen[1]!.message)).resolves.toBeUndefined();
      release();
    });

    it('dead-letters as MaxDeliveryCountExceeded after maxDeliveryCount deliveries', async () => {
      createBus({ maxDeliveryCount: 3 });
      bus.subscribe(queueNames.notifications, async (context) => {
        const [message] = context.messages as ServiceBusReceivedMessage[];
        await context.actions.abandon(message!);
      });
      const dead = holdingConsumer();
      bus.subscribe(deadLetterQueuePath, dead.handler);

      await bus.enqueue([{ body: delivery('c-1') }]);
      await settle();

      expect(bus.getCounts().totals).toMatchObject({ delivered: 3, abandoned: 3, deadLettered: 1 });
      const [deadLetter] = toReceivedDeliveries({ messages: dead.take(0).message, actions: dead.take(0).actions });
      expect(deadLetter!.message).toMatchObject({
        deliveryCount: 3,
        sessionId: 'c-1',
        deadLetterReason: 'MaxDeliveryCountExceeded',
        deadLetterErrorDescription: 'Message could not be consumed after 3 delivery attempts.',
        applicationProperties: { DeadLetterReason: 'MaxDeliveryCountExceeded', notificationId: 'n-1' },
      });
      expect(dead.take(0).message.deadLetterSource).toBe(queueNames.notifications);
    });
  });

  describe('explicit dead-lettering', () => {
    it('moves the message with reason and description, counting the delivery that dead-lettered it', async () => {
      createBus();
      bus.subscribe(queueNames.notifications, async (context) => {
        const [message] = context.messages as ServiceBusReceivedMessage[];
        await context.actions.deadletter(message!, undefined, 'ConversationNotFound', '404 Conversation not found.');
      });
      const dead = holdingConsumer();
      bus.subscribe(deadLetterQueuePath, dead.handler);

      await bus.enqueue([{ body: delivery('c-1') }]);
      await settle();

      expect(dead.take(0).message).toMatchObject({
        deliveryCount: 1,
        deadLetterReason: 'ConversationNotFound',
        deadLetterErrorDescription: '404 Conversation not found.',
        body: expect.objectContaining({ conversationId: 'c-1' }),
      });
      expect(bus.getCounts()).toMatchObject({ active: 0, deadLettered: 1 });
    });

    it('refuses to dead-letter from the dead-letter queue, and completes there', async () => {
      createBus();
      bus.subscribe(queueNames.notifications, async (context) => {
        const [message] = context.messages as ServiceBusReceivedMessage[];
        await context.actions.deadletter(message!, undefined, 'BadArgument', 'x');
      });
      const dead = holdingConsumer();
      bus.subscribe(deadLetterQueuePath, dead.handler);
      await bus.enqueue([{ body: delivery('c-1') }]);
      await settle();

      const entry = dead.take(0);
      await expect(entry.actions.deadletter(entry.message, undefined, 'again', 'again')).rejects.toMatchObject({ name: 'ServiceBusError' });
      await entry.complete();
      await bus.waitForIdle();

      expect(bus.getCounts().deadLettered).toBe(0);
    });

    it('redelivers an abandoned dead letter with no delivery limit (nothing is dead-lettered from there)', async () => {
      createBus({ maxDeliveryCount: 2 });
      bus.subscribe(queueNames.notifications, async (context) => {
        const [message] = context.messages as ServiceBusReceivedMessage[];
        await context.actions.deadletter(message!, undefined, 'BadArgument', 'x');
      });
      const counts: number[] = [];
      bus.subscribe(deadLetterQueuePath, async (context) => {
        const [message] = context.messages as ServiceBusReceivedMessage[];
        counts.push(message!.deliveryCount!);
        await (counts.length < 4 ? context.actions.abandon(message!) : context.actions.complete(message!));
      });

      await bus.enqueue([{ body: delivery('c-1') }]);
      await bus.waitForIdle();

      expect(counts).toStrictEqual([1, 2, 3, 4]);
    });
  });

  describe('sessions', () => {
    it('delivers one message per session at a time, in order, and different sessions at once', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler);

      await bus.enqueue([
        { body: delivery('A', 'a1') },
        { body: delivery('A', 'a2') },
        { body: delivery('B', 'b1') },
        { body: delivery('A', 'a3') },
        { body: delivery('B', 'b2') },
      ]);
      await settle();
      expect(consumer.notificationIds()).toStrictEqual(['a1', 'b1']);

      await consumer.take(0).complete();
      await settle();
      expect(consumer.notificationIds()).toStrictEqual(['a1', 'b1', 'a2']);

      await consumer.take(1).complete();
      await consumer.take(2).complete();
      await settle();
      expect(consumer.notificationIds()).toStrictEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
    });

    it('puts an abandoned message back ahead of the rest of its session', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler);
      await bus.enqueue([{ body: delivery('A', 'a1') }, { body: delivery('A', 'a2') }]);
      await settle();

      await consumer.take(0).abandon();
      await settle();
      await consumer.take(1).complete();
      await settle();

      expect(consumer.notificationIds()).toStrictEqual(['a1', 'a1', 'a2']);
    });

    it('serves no more sessions at once than maxConcurrentSessions', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler, { maxConcurrentSessions: 2 });

      await bus.enqueue(['S1', 'S2', 'S3', 'S4'].map((s) => ({ body: delivery(s, s) })));
      await settle();
      expect(consumer.notificationIds()).toStrictEqual(['S1', 'S2']);
      expect(bus.getCounts()).toMatchObject({ active: 2, inFlight: 2 });

      await consumer.take(0).complete();
      await settle();
      expect(consumer.notificationIds()).toStrictEqual(['S1', 'S2', 'S3']);
    });

    it('keeps a slot with its session until the session has been idle for sessionIdleTimeout, as the host does', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler, { maxConcurrentSessions: 2, sessionIdleTimeoutInMs: 5_000 });

      await bus.enqueue(['S1', 'S2', 'S3'].map((s) => ({ body: delivery(s, s) })));
      await settle();
      await consumer.take(0).complete();
      await consumer.take(1).complete();
      await settle();
      // Both slots wait on their (empty) sessions: S3 is not accepted yet.
      await clock.advanceBy(4_999);
      expect(consumer.notificationIds()).toStrictEqual(['S1', 'S2']);
      expect(bus.getCounts()).toMatchObject({ active: 1, inFlight: 0 });

      await clock.advanceBy(1);
      expect(consumer.notificationIds()).toStrictEqual(['S1', 'S2', 'S3']);
    });

    it('hands a held session its next message at once, and starts its idle wait again after it', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler, { maxConcurrentSessions: 1, sessionIdleTimeoutInMs: 5_000 });

      await bus.enqueue([{ body: delivery('S1', 'first') }, { body: delivery('S2', 'other') }]);
      await settle();
      await consumer.take(0).complete();
      await clock.advanceBy(3_000);
      await bus.enqueue([{ body: delivery('S1', 'second') }]);
      await settle();
      // The one slot is S1's: its next message goes to it while S2 waits.
      expect(consumer.notificationIds()).toStrictEqual(['first', 'second']);

      await consumer.take(1).complete();
      await clock.advanceBy(4_999);
      expect(consumer.notificationIds()).toStrictEqual(['first', 'second']);
      await clock.advanceBy(1);
      expect(consumer.notificationIds()).toStrictEqual(['first', 'second', 'other']);
    });

    it('frees the slot of a handler whose session lock ran out only when the handler returns', async () => {
      createBus({ lockDurationInMs: minute, maxAutoLockRenewalDurationInMs: minute });
      const bodies: string[] = [];
      let release: () => void = () => undefined;
      const stuck = new Promise<void>((resolve) => (release = resolve));
      bus.subscribe(
        queueNames.notifications,
        async (context) => {
          const [message] = context.messages as ServiceBusReceivedMessage[];
          const body = message!.body as DeliveryMessage;
          bodies.push(`${body.notificationId}#${message!.deliveryCount}`);
          if (bodies.length === 1) await stuck;
          else await context.actions.complete(message!);
        },
        { maxConcurrentSessions: 2, sessionIdleTimeoutInMs: 1_000 },
      );
      await bus.enqueue([{ body: delivery('S1', 'S1') }, { body: delivery('S2', 'S2') }]);
      await settle();
      expect(bodies).toStrictEqual(['S1#0', 'S2#0']);

      // S1's lock is lost while its handler is stuck: S1 goes to the other slot; the stuck one stays busy.
      await clock.advanceBy(minute);
      expect(bodies).toStrictEqual(['S1#0', 'S2#0', 'S1#1']);
      await bus.enqueue([{ body: delivery('S3', 'S3') }, { body: delivery('S4', 'S4') }]);
      await clock.advanceBy(999);
      expect(bodies).toStrictEqual(['S1#0', 'S2#0', 'S1#1']);
      await clock.advanceBy(1);
      expect(bodies).toStrictEqual(['S1#0', 'S2#0', 'S1#1', 'S3#0']);
      release();
      await settle();
      expect(bodies).toStrictEqual(['S1#0', 'S2#0', 'S1#1', 'S3#0', 'S4#0']);
    });

    it('keeps a session to one handler at a time when a consumer closes with a handler running and another subscribes', async () => {
      createBus();
      let settleFirst: () => void = () => undefined;
      let returnFirst: () => void = () => undefined;
      const settled = new Promise<void>((resolve) => (settleFirst = resolve));
      const returned = new Promise<void>((resolve) => (returnFirst = resolve));
      const first = bus.subscribe(
        queueNames.notifications,
        async (context) => {
          const [message] = context.messages as ServiceBusReceivedMessage[];
          await settled;
          await context.actions.complete(message!);
          await returned;
        },
        { maxConcurrentSessions: 4, sessionIdleTimeoutInMs: 1_000 },
      );
      await bus.enqueue([{ body: delivery('S', 'm1') }]);
      await settle();
      first.close();
      settleFirst();
      await settle();

      const second = holdingConsumer();
      bus.subscribe(queueNames.notifications, second.handler, { maxConcurrentSessions: 4, sessionIdleTimeoutInMs: 1_000 });
      await bus.enqueue([{ body: delivery('S', 'm2') }]);
      await settle();
      returnFirst();
      await settle();
      await bus.enqueue([{ body: delivery('S', 'm3') }]);
      await settle();

      // m2 is not settled yet: m3 of the same session waits for it.
      expect(second.notificationIds()).toStrictEqual(['m2']);
      await second.take(0).complete();
      await settle();
      expect(second.notificationIds()).toStrictEqual(['m2', 'm3']);
    });

    it('refuses a message without a session id, as a session-enabled queue does', async () => {
      createBus();

      await expect(bus.sendMessages({ body: 'x', messageId: 'm-1' })).rejects.toMatchObject({ message: expect.stringContaining('SessionId was not set') });
      expect(bus.getCounts().active).toBe(0);
    });

    it('delivers tens of thousands of messages across thousands of sessions, each session in order', async () => {
      createBus();
      const seen = new Map<string, number[]>();
      bus.subscribe(
        queueNames.notifications,
        async (context) => {
          const [message] = context.messages as ServiceBusReceivedMessage[];
          const body = message!.body as DeliveryMessage;
          const list = seen.get(body.conversationId!) ?? [];
          list.push(body.revision);
          seen.set(body.conversationId!, list);
          await context.actions.complete(message!);
        },
        { maxConcurrentSessions: 64 },
      );
      const deliveries: QueuedDelivery[] = [];
      for (let revision = 0; revision < 4; revision++) {
        for (let c = 0; c < 5_000; c++) deliveries.push({ body: delivery(`conv-${c}`, 'n-big', { operation: 'update', revision }) });
      }

      await bus.enqueue(deliveries);
      await bus.waitForIdle();

      expect(bus.getCounts()).toMatchObject({ active: 0, inFlight: 0, totals: { completed: 20_000 } });
      expect(seen.size).toBe(5_000);
      for (const revisions of seen.values()) expect(revisions).toStrictEqual([0, 1, 2, 3]);
    });
  });

  describe('scheduled messages', () => {
    it('keeps a message invisible until its scheduled time, then enqueues it at that time', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler);
      const notBefore = new Date(clock.now() + 10 * minute);

      await bus.enqueue([{ body: delivery('c-1'), notBefore }]);
      await settle();
      expect(bus.getCounts()).toMatchObject({ scheduled: 1, active: 0 });

      await clock.advanceBy(10 * minute - 1);
      expect(consumer.received).toHaveLength(0);

      await clock.advanceBy(1);
      expect(consumer.received).toHaveLength(1);
      expect(consumer.take(0).message.enqueuedTimeUtc).toEqual(notBefore);
      expect(bus.getCounts().scheduled).toBe(0);
    });

    it('resolves waitForIdle with scheduled messages waiting, and drain only once they are handled', async () => {
      createBus();
      bus.subscribe(queueNames.notifications, async (context) => {
        const [message] = context.messages as ServiceBusReceivedMessage[];
        await context.actions.complete(message!);
      });
      await bus.enqueue([{ body: delivery('c-1'), notBefore: new Date(clock.now() + minute) }]);

      await bus.waitForIdle();
      let drained = false;
      const draining = bus.drain().then(() => (drained = true));
      await settle();
      expect(drained).toBe(false);

      await clock.advanceBy(minute);
      await draining;
      expect(bus.getCounts().totals.completed).toBe(1);
    });
  });

  describe('duplicate detection', () => {
    it('drops a repeated messageId within the window, even after the first was completed', async () => {
      createBus({ duplicateDetectionWindowInMs: 10 * minute });
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, async (context) => {
        await consumer.handler(context);
        const [message] = context.messages as ServiceBusReceivedMessage[];
        await context.actions.complete(message!);
      });

      await bus.enqueue([{ body: delivery('c-1') }, { body: delivery('c-1') }]);
      await bus.waitForIdle();
      await clock.advanceBy(10 * minute - 1);
      await bus.enqueue([{ body: delivery('c-1') }]);
      await bus.waitForIdle();

      expect(consumer.received).toHaveLength(1);
      expect(bus.getCounts().totals).toMatchObject({ sent: 3, duplicatesDropped: 2 });
    });

    it('accepts the same messageId again once the window has passed', async () => {
      createBus({ duplicateDetectionWindowInMs: 10 * minute });
      await bus.enqueue([{ body: delivery('c-1') }]);

      await clock.advanceBy(10 * minute);
      await bus.enqueue([{ body: delivery('c-1') }]);

      expect(bus.getCounts()).toMatchObject({ active: 2, totals: { duplicatesDropped: 0 } });
    });

    it('treats a retry (attempt + 1) as a new message', async () => {
      createBus();

      await bus.enqueue([{ body: delivery('c-1') }, { body: delivery('c-1', 'n-1', { attempt: 2 }) }]);

      expect(bus.getCounts().active).toBe(2);
    });
  });

  describe('time to live', () => {
    it('dead-letters an expired message as TTLExpiredException instead of delivering it', async () => {
      createBus();
      await bus.enqueue([{ body: delivery('c-1', 'n-1', { expiresAt: new Date(clock.now() + minute).toISOString() }) }]);
      await clock.advanceBy(minute);

      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler);
      const dead = holdingConsumer();
      bus.subscribe(deadLetterQueuePath, dead.handler);
      await settle();

      expect(consumer.received).toHaveLength(0);
      expect(dead.take(0).message).toMatchObject({
        deadLetterReason: 'TTLExpiredException',
        deadLetterErrorDescription: 'The message expired and was dead lettered.',
        deliveryCount: 0,
      });
      expect(bus.getCounts().totals.expired).toBe(1);
    });

    it('counts a scheduled message TTL from its scheduled time', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler);
      const notBefore = new Date(clock.now() + 10 * minute);
      const expiresAt = new Date(clock.now() + 15 * minute).toISOString();

      await bus.enqueue([{ body: delivery('c-1', 'n-1', { expiresAt }), notBefore }]);
      await clock.advanceBy(10 * minute);

      expect(consumer.received).toHaveLength(1);
      expect(consumer.take(0).message.expiresAtUtc).toEqual(new Date(expiresAt));
    });

    it('drops an expired message when dead-lettering on expiry is off', async () => {
      createBus({ deadLetteringOnMessageExpiration: false });
      await bus.enqueue([{ body: delivery('c-1', 'n-1', { expiresAt: new Date(clock.now() + 1_000).toISOString() }) }]);
      await clock.advanceBy(1_000);
      bus.subscribe(queueNames.notifications, holdingConsumer().handler);
      await settle();

      expect(bus.getCounts()).toMatchObject({ active: 0, inFlight: 0, deadLettered: 0, totals: { expired: 1, delivered: 0 } });
    });

    it('lets a locked message outlive its TTL, and expires it when abandoned', async () => {
      createBus();
      const consumer = holdingConsumer();
      bus.subscribe(queueNames.notifications, consumer.handler);
      await bus.enqueue([{ body: delivery('c-1', 'n-1', { expiresAt: new Date(clock.now() + 1_000).toISOString() }) }]);
      await settle();

      await clock.advanceBy(2_000);
      await consumer.take(0).abandon();
      await settle();

      expect(consumer.received).toHaveLength(1);
      expect(bus.getCounts()).toMatchObject({ deadLettered: 1, totals: { expired: 1 } });
    });
  });

  describe('the host around it', () => {
    it('refuses an unknown queue path and a second consumer', () => {
      createBus();
      bus.subscribe(queueNames.notifications, holdingConsumer().handler);

      expect(() => bus.subscribe('elsewhere', holdingConsumer().handler)).toThrow(expect.objectContaining({ code: 'MessagingEntityNotFound' }));
      expect(() => bus.subscribe(queueNames.notifications, holdingConsumer().handler)).toThrow(/already has a consumer/);
    });

    it('refuses a message over the size limit, and the whole send with it', async () => {
      createBus({ maxMessageSizeInBytes: 1024 });

      await expect(
        bus.sendMessages([
          { body: 'small', messageId: 'm-1', sessionId: 's' },
          { body: 'x'.repeat(2048), messageId: 'm-2', sessionId: 's' },
        ]),
      ).rejects.toMatchObject({ code: 'MessageSizeExceeded' });
      expect(bus.getCounts().active).toBe(0);
    });

    it('stops its timers and refuses work once closed', async () => {
      createBus();
      await bus.enqueue([{ body: delivery('c-1'), notBefore: new Date(clock.now() + minute) }]);
      expect(clock.pendingTimers).toBe(1);

      await bus.close();

      expect(clock.pendingTimers).toBe(0);
      await expect(bus.enqueue([{ body: delivery('c-2') }])).rejects.toMatchObject({ name: 'ServiceBusError' });
    });
  });
});
