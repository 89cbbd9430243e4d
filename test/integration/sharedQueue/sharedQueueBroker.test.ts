import { setTimeout as sleep } from 'node:timers/promises';

import { type ServiceBusReceivedMessage } from '@azure/service-bus';

import { InProcessServiceBus } from '../../../dev/inProcessServiceBus/inProcessServiceBus';
import { type SharedQueueBroker, startSharedQueueBroker } from '../../../dev/sharedQueue/sharedQueueBroker';
import { SharedQueueClient } from '../../../dev/sharedQueue/sharedQueueClient';
import { type DeliveryMessage } from '../../../shared/queue/deliveryMessage';
import { type ServiceBusTriggerActions, type ServiceBusTriggerContext } from '../../../shared/queue/serviceBusTrigger';

/** The queue several local hosts share (`npm run bench`'s scale-out), over its real HTTP protocol on loopback. */

function delivery(conversationId: string, notificationId = 'n-1'): DeliveryMessage {
  return { version: 1, notificationId, operation: 'send', conversationId, attempt: 1, revision: 0, activity: { type: 'message', text: 'hi' } };
}

interface Handled {
  process: string;
  message: ServiceBusReceivedMessage;
  actions: ServiceBusTriggerActions;
}

async function until(what: string, condition: () => boolean, timeoutInMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('shared queue broker', () => {
  let bus: InProcessServiceBus;
  let broker: SharedQueueBroker;
  const clients: SharedQueueClient[] = [];
  const handled: Handled[] = [];

  async function start(options: { sessionIdleTimeoutInMs?: number; consumerTimeoutInMs?: number } = {}): Promise<void> {
    bus = new InProcessServiceBus();
    broker = await startSharedQueueBroker({ bus, ...options });
  }

  /** A gateway process: its own client, consuming the queue with `handle` (default: complete). */
  async function processNamed(name: string, handle?: (message: ServiceBusReceivedMessage, actions: ServiceBusTriggerActions) => Promise<void>, queuePath?: string): Promise<SharedQueueClient> {
    const client = await SharedQueueClient.connect(broker.url);
    clients.push(client);
    client.subscribe(
      queuePath ?? client.queuePath,
      async (context: ServiceBusTriggerContext) => {
        const [message] = Array.isArray(context.messages) ? context.messages : [context.messages];
        if (message === undefined) return;
        handled.push({ process: name, message, actions: context.actions });
        await (handle ?? (async (m, actions) => actions.complete(m)))(message, context.actions);
      },
      { maxConcurrentSessions: 4 },
    );
    return client;
  }

  const conversationsHandledBy = (name: string): string[] =>
    handled.filter((h) => h.process === name && h.message.deliveryCount === 0).map((h) => (h.message.body as DeliveryMessage).conversationId ?? '');

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    handled.splice(0);
    await broker.close();
    await bus.close();
  });

  it('hands each message to one of the processes once, and completes it on the queue they share', async () => {
    // 40 one-message sessions on 8 slots: a short idle wait keeps the test quick.
    await start({ sessionIdleTimeoutInMs: 20 });
    await processNamed('A');
    await processNamed('B');
    const sender = await SharedQueueClient.connect(broker.url);
    clients.push(sender);
    const conversations = Array.from({ length: 40 }, (_, i) => `a:chat-${i}`);

    await sender.enqueue(conversations.map((conversationId) => ({ body: delivery(conversationId) })));
    await until('every message completed', () => bus.getCounts().totals.completed === 40);

    expect([...conversationsHandledBy('A'), ...conversationsHandledBy('B')].sort()).toEqual([...conversations].sort());
    expect(conversationsHandledBy('A').length).toBeGreaterThan(0);
    expect(conversationsHandledBy('B').length).toBeGreaterThan(0);
    expect(bus.getCounts()).toMatchObject({ active: 0, inFlight: 0, deadLettered: 0 });
    expect(handled[0]?.message.body).toEqual(delivery(handled[0]?.message.sessionId ?? ''));
  });

  it('keeps a session with the process that ran it while it is idle for less than the session idle timeout', async () => {
    await start({ sessionIdleTimeoutInMs: 60_000 });
    await processNamed('A');
    const sender = await SharedQueueClient.connect(broker.url);
    clients.push(sender);
    await sender.enqueue([{ body: delivery('a:sticky', 'n-1') }]);
    await until('the first message', () => handled.length === 1);
    await processNamed('B');
    await sleep(50);

    // B polls too, but the session is A's: every later message of it goes to A.
    for (let i = 2; i <= 6; i++) await sender.enqueue([{ body: delivery('a:sticky', `n-${i}`) }]);
    await until('six messages', () => handled.length === 6);

    expect(handled.map((h) => h.process)).toEqual(['A', 'A', 'A', 'A', 'A', 'A']);
    expect(handled.map((h) => (h.message.body as DeliveryMessage).notificationId)).toEqual(['n-1', 'n-2', 'n-3', 'n-4', 'n-5', 'n-6']);
  });

  it('takes a new session only while the process holds fewer than its slots, counting sessions it holds idle', async () => {
    await start({ sessionIdleTimeoutInMs: 1_500 });
    await processNamed('A');
    const sender = await SharedQueueClient.connect(broker.url);
    clients.push(sender);
    await sender.enqueue(['a:1', 'a:2', 'a:3', 'a:4', 'a:5'].map((c) => ({ body: delivery(c, c) })));
    await until('the first four', () => handled.length === 4);
    await sleep(500);
    // Four slots, each held by its session waiting for a next message: a:5 waits.
    expect(handled.map((h) => h.message.sessionId)).toEqual(['a:1', 'a:2', 'a:3', 'a:4']);

    // A held session's next message goes to its slot at once.
    await sender.enqueue([{ body: delivery('a:2', 'again') }]);
    await until('a:2 again', () => handled.length === 5);
    expect(handled[4]?.message.sessionId).toBe('a:2');

    await until('a:5 once a slot is idle long enough', () => handled.length === 6);
    expect(handled[5]?.message.sessionId).toBe('a:5');
  });

  it('redelivers what a process abandons or throws on, and dead-letters with the reason given', async () => {
    await start();
    let calls = 0;
    await processNamed('A', async (message, actions) => {
      calls++;
      if (calls === 1) await actions.abandon(message);
      else if (calls === 2) throw new Error('handler bug');
      else await actions.deadletter(message, undefined, 'DeliveryFailed', 'Teams answered 403 BotNotInConversationRoster');
    });
    const deadLetters: ServiceBusReceivedMessage[] = [];
    const dlqReader = await SharedQueueClient.connect(broker.url);
    clients.push(dlqReader);
    dlqReader.subscribe(dlqReader.deadLetterQueuePath, async (context) => {
      deadLetters.push(...(Array.isArray(context.messages) ? context.messages : [context.messages]));
      await context.actions.complete(deadLetters[deadLetters.length - 1] as ServiceBusReceivedMessage);
    });

    await dlqReader.enqueue([{ body: delivery('a:retried') }]);
    await until('the dead letter', () => deadLetters.length === 1);

    expect(handled.map((h) => h.message.deliveryCount)).toEqual([0, 1, 2]);
    expect(deadLetters[0]).toMatchObject({ deadLetterReason: 'DeliveryFailed', deadLetterErrorDescription: 'Teams answered 403 BotNotInConversationRoster', deliveryCount: 3 });
    expect(deadLetters[0]?.body).toEqual(delivery('a:retried'));
  });

  it('refuses a settlement whose lock is not held, as Service Bus does', async () => {
    await start();
    let settleTwice: Promise<void> | undefined;
    await processNamed('A', async (message, actions) => {
      await actions.complete(message);
      settleTwice = actions.complete(message);
      await settleTwice.catch(() => undefined);
    });
    const sender = clients[0] as SharedQueueClient;
    await sender.enqueue([{ body: delivery('a:once') }]);
    await until('the handler', () => settleTwice !== undefined);

    await expect(settleTwice).rejects.toMatchObject({ code: 'MessageLockLost' });
    await until('completion', () => bus.getCounts().totals.completed === 1);
  });

  it('gives what a process held to another once it stops polling, with the delivery counted', async () => {
    await start({ consumerTimeoutInMs: 300 });
    const a = await processNamed('A', async () => new Promise<void>(() => undefined));
    await a.enqueue([{ body: delivery('a:orphaned') }]);
    await until('A to hold it', () => handled.length === 1);
    await a.close();
    await processNamed('B');

    await until('B to run it', () => handled.some((h) => h.process === 'B'));

    expect(handled.map((h) => [h.process, h.message.deliveryCount])).toEqual([
      ['A', 0],
      ['B', 1],
    ]);
    await until('completion', () => bus.getCounts().totals.completed === 1);
  });

  it('holds a scheduled message until its time', async () => {
    await start();
    await processNamed('A');
    const notBefore = new Date(Date.now() + 400);
    await (clients[0] as SharedQueueClient).enqueue([{ body: delivery('a:later'), notBefore }]);
    await sleep(200);
    expect(handled).toHaveLength(0);

    await until('the scheduled message', () => handled.length === 1);
    expect(Date.now()).toBeGreaterThanOrEqual(notBefore.getTime());
    expect(handled[0]?.message.scheduledEnqueueTimeUtc).toEqual(notBefore);
  });
});

describe('shared queue client', () => {
  it('stops start-up with the setting named when no shared queue answers at LOCAL_QUEUE_URL', async () => {
    await expect(SharedQueueClient.connect('http://127.0.0.1:1')).rejects.toThrow(/^LOCAL_QUEUE_URL=http:\/\/127\.0\.0\.1:1: no shared queue answers there/);
  });
});
