import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

import { ServiceBusError, type ServiceBusReceivedMessage } from '@azure/service-bus';

import { ensureError } from '../../shared/errors';
import { type ServiceBusTriggerContext } from '../../shared/queue/serviceBusTrigger';
import { readBodyUpTo } from '../boundedRequestBody';
import { type InProcessServiceBus, type Subscription } from '../inProcessServiceBus/inProcessServiceBus';
import { fromWireMessage, toWireDelivery, type WireDelivery, type WireMessage } from './wireMessages';

/**
 * One in-process Service Bus served to several gateway processes on one machine, as one Service Bus namespace
 * serves every Functions instance: `npm run bench` runs K gateways on it to measure scale-out the way Azure
 * shares one queue among instances. Written by hand because nothing runs Service Bus locally (no emulator
 * runs here, see README); it adds no semantics of its own beyond what a session receiver does across instances:
 *
 * - a message is handed to one process at a time (the entity's peek-lock, held while that process runs it);
 * - a session stays with the process that last ran it until it has been idle for `sessionIdleTimeoutInMs`
 *   (host.json sessionIdleTimeout), so one conversation's messages are handled by one instance at a time, and
 *   it holds one of that process's `slots` (host.json maxConcurrentSessions) meanwhile, as a session receiver
 *   of the Functions host does: a process takes a new session only while it holds fewer than its slots;
 * - a process that stops polling for `consumerTimeoutInMs` is gone: what it held is abandoned and redelivered.
 *
 * Protocol (JSON over HTTP, loopback only): `GET /queue`, `POST /messages` {messages}, `POST /receive`
 * {consumer, queuePath, max, slots?, waitInMs} → {deliveries}, `POST /settle` {lockToken, action, reason?,
 * description?}, `POST /return` {lockToken, error?} (the function returned without settling, or threw).
 */
export interface SharedQueueBrokerOptions {
  bus: InProcessServiceBus;
  /** 0 picks a free port. */
  port?: number;
  sessionIdleTimeoutInMs?: number;
  consumerTimeoutInMs?: number;
}

export interface SharedQueueBroker {
  url: string;
  close(): Promise<void>;
}

export interface SharedQueueInfo {
  queuePath: string;
  deadLetterQueuePath: string;
  /** When the broker's queue started (empty): work older than this has no message. */
  startedAt: string;
}

export type SettleAction = 'complete' | 'abandon' | 'deadletter';

/** A delivery the entity handed out, waiting for a process or running in one. */
interface Held {
  readonly received: ServiceBusReceivedMessage;
  readonly context: ServiceBusTriggerContext;
  readonly queuePath: string;
  /** Ends the entity's handler call: resolve as the function returning, reject as it throwing. */
  readonly finish: { resolve: () => void; reject: (error: Error) => void };
  consumer?: string;
  finished: boolean;
}

interface Poll {
  readonly consumer: string;
  readonly queuePath: string;
  readonly max: number;
  readonly slots: number | undefined;
  readonly answer: (deliveries: WireDelivery[]) => void;
}

const maxRequestBytes = 64 * 1024 * 1024;
/** Deliveries the broker's entities hand out at once: every process's sessions together. */
const entityConcurrency = 100_000;

export async function startSharedQueueBroker(options: SharedQueueBrokerOptions): Promise<SharedQueueBroker> {
  const { bus } = options;
  const sessionIdleTimeoutInMs = options.sessionIdleTimeoutInMs ?? 5_000;
  const consumerTimeoutInMs = options.consumerTimeoutInMs ?? 30_000;
  const startedAt = new Date().toISOString();
  const pending = new Map<string, Held[]>([
    [bus.queuePath, []],
    [bus.deadLetterQueuePath, []],
  ]);
  const running = new Map<string, Held>();
  /** Which process a session stays with, and until when once idle (Infinity while it runs there). */
  const sessions = new Map<string, { consumer: string; until: number }>();
  const lastSeen = new Map<string, number>();
  let polls: Poll[] = [];

  /** The session of a held message, on the session-enabled queue only (the dead-letter queue has none). */
  const sessionOf = (held: Held): string | undefined => (held.queuePath === bus.queuePath ? held.received.sessionId : undefined);

  /** Sessions a process holds now: running there, or idle there for less than sessionIdleTimeout. */
  const sessionsHeldBy = (consumer: string, now: number): number => {
    let count = 0;
    for (const owner of sessions.values()) if (owner.consumer === consumer && owner.until > now) count++;
    return count;
  };

  const take = (consumer: string, queuePath: string, max: number, slots: number | undefined): WireDelivery[] => {
    const list = pending.get(queuePath) ?? [];
    const now = Date.now();
    const taken: WireDelivery[] = [];
    let held = slots === undefined ? 0 : sessionsHeldBy(consumer, now);
    for (let i = 0; i < list.length && taken.length < max; ) {
      const next = list[i];
      const session = next === undefined ? undefined : sessionOf(next);
      // A session still held (running or idle) by a process goes only to it; any other is new to whoever takes it.
      const owner = session === undefined ? undefined : sessions.get(session);
      const heldByOther = owner !== undefined && owner.until > now && owner.consumer !== consumer;
      const newSession = session !== undefined && (owner === undefined || owner.until <= now || owner.consumer !== consumer);
      if (next === undefined || heldByOther || (newSession && slots !== undefined && held >= slots)) {
        i++;
        continue;
      }
      if (newSession) held++;
      list.splice(i, 1);
      next.consumer = consumer;
      if (session !== undefined) sessions.set(session, { consumer, until: Number.POSITIVE_INFINITY });
      running.set(next.received.lockToken ?? '', next);
      taken.push(toWireDelivery(next.received));
    }
    return taken;
  };

  /** Answers the polls that can take what is pending now, oldest poll first. */
  const dispatch = (): void => {
    const waiting = polls;
    polls = [];
    for (const poll of waiting) {
      const deliveries = take(poll.consumer, poll.queuePath, poll.max, poll.slots);
      if (deliveries.length > 0) poll.answer(deliveries);
      else polls.push(poll);
    }
  };

  const finish = (held: Held, error: Error | undefined): void => {
    if (held.finished) return;
    held.finished = true;
    running.delete(held.received.lockToken ?? '');
    const session = sessionOf(held);
    if (session !== undefined && held.consumer !== undefined) {
      sessions.set(session, { consumer: held.consumer, until: Date.now() + sessionIdleTimeoutInMs });
      // The slot it holds frees when the wait is over: a waiting poll may then take a new session.
      setTimeout(dispatch, sessionIdleTimeoutInMs + 1).unref();
    }
    if (error === undefined) held.finish.resolve();
    else held.finish.reject(error);
  };

  const subscriptions: Subscription[] = [bus.queuePath, bus.deadLetterQueuePath].map((queuePath) =>
    bus.subscribe(
      queuePath,
      async (context) =>
        new Promise<void>((resolve, reject) => {
          const received = Array.isArray(context.messages) ? context.messages[0] : context.messages;
          if (received === undefined) {
            resolve();
            return;
          }
          pending.get(queuePath)?.push({ received, context, queuePath, finish: { resolve, reject }, finished: false });
          dispatch();
        }),
      { maxConcurrentSessions: entityConcurrency, maxConcurrentCalls: entityConcurrency },
    ),
  );

  // Processes that stopped polling are gone: what they held goes back to the queue (abandoned), their sessions free.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [consumer, seen] of lastSeen) {
      if (now - seen < consumerTimeoutInMs || polls.some((poll) => poll.consumer === consumer)) continue;
      lastSeen.delete(consumer);
      for (const held of [...running.values()]) {
        if (held.consumer === consumer) finish(held, new Error(`process ${consumer} stopped polling the shared queue`));
      }
      for (const [session, owner] of sessions) if (owner.consumer === consumer) sessions.delete(session);
    }
    for (const [session, owner] of sessions) if (owner.until <= now) sessions.delete(session);
    dispatch();
  }, Math.max(20, Math.min(1_000, consumerTimeoutInMs / 2, sessionIdleTimeoutInMs / 2)));
  sweep.unref();

  const routes: Record<string, (body: unknown, gone: AbortSignal) => Promise<{ status: number; json?: unknown }>> = {
    'GET /queue': async () => Promise.resolve({ status: 200, json: { queuePath: bus.queuePath, deadLetterQueuePath: bus.deadLetterQueuePath, startedAt } satisfies SharedQueueInfo }),
    'POST /messages': async (body) => {
      const messages = (body as { messages?: WireMessage[] }).messages;
      if (!Array.isArray(messages)) return { status: 400, json: { code: 'BadRequest', message: 'messages: an array is required' } };
      await bus.sendMessages(messages.map(fromWireMessage));
      return { status: 204 };
    },
    'POST /receive': async (body, gone) => {
      const { consumer, queuePath, max, slots, waitInMs } = body as { consumer?: string; queuePath?: string; max?: number; slots?: number; waitInMs?: number };
      if (typeof consumer !== 'string' || consumer === '') return { status: 400, json: { code: 'BadRequest', message: 'consumer: a string is required' } };
      if (typeof queuePath !== 'string' || !pending.has(queuePath)) throw new ServiceBusError(`The messaging entity '${String(queuePath)}' could not be found.`, 'MessagingEntityNotFound');
      lastSeen.set(consumer, Date.now());
      const limit = Math.max(1, Math.floor(max ?? 1));
      const slotLimit = typeof slots === 'number' && slots >= 1 ? Math.floor(slots) : undefined;
      const now = take(consumer, queuePath, limit, slotLimit);
      if (now.length > 0 || (waitInMs ?? 0) <= 0) return { status: 200, json: { deliveries: now } };
      const deliveries = await new Promise<WireDelivery[]>((resolve) => {
        // Answered, timed out, or the process went away (then it holds nothing of this poll).
        const end = (answer: WireDelivery[]): void => {
          clearTimeout(timer);
          gone.removeEventListener('abort', onGone);
          const index = polls.indexOf(poll);
          if (index >= 0) polls.splice(index, 1);
          resolve(answer);
        };
        const poll: Poll = { consumer, queuePath, max: limit, slots: slotLimit, answer: end };
        const onGone = (): void => end([]);
        const timer = setTimeout(() => end([]), Math.min(waitInMs ?? 0, 30_000));
        polls.push(poll);
        gone.addEventListener('abort', onGone);
      });
      lastSeen.set(consumer, Date.now());
      return { status: 200, json: { deliveries } };
    },
    'POST /settle': async (body) => {
      const { lockToken, action, reason, description } = body as { lockToken?: string; action?: SettleAction; reason?: string; description?: string };
      const held = running.get(lockToken ?? '');
      if (held === undefined) return lockLost(lockToken);
      const { actions } = held.context;
      if (action !== 'complete' && action !== 'abandon' && action !== 'deadletter') {
        return { status: 400, json: { code: 'BadRequest', message: 'action: complete, abandon or deadletter' } };
      }
      try {
        if (action === 'complete') await actions.complete(held.received);
        else if (action === 'abandon') await actions.abandon(held.received);
        else await actions.deadletter(held.received, undefined, reason, description);
      } finally {
        // Settled or refused (a lock that ran out), the message is no longer this process's.
        finish(held, undefined);
      }
      return { status: 204 };
    },
    'POST /return': async (body) => {
      const { lockToken, error } = body as { lockToken?: string; error?: string };
      const held = running.get(lockToken ?? '');
      if (held !== undefined) finish(held, error === undefined ? undefined : new Error(error));
      return Promise.resolve({ status: 204 });
    },
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void serve(request, response);
  });
  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const reply = (status: number, json?: unknown): void => {
      const text = json === undefined ? '' : JSON.stringify(json);
      response.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' }).end(text);
    };
    try {
      const route = routes[`${request.method ?? ''} ${(request.url ?? '').split('?')[0] ?? ''}`];
      if (route === undefined) {
        reply(404, { code: 'NotFound', message: `${request.method ?? ''} ${request.url ?? ''}` });
        return;
      }
      const raw = await readBodyUpTo(request, maxRequestBytes);
      if (raw === undefined) {
        reply(413, { code: 'MessageSizeExceeded', message: 'request too large' });
        return;
      }
      const body: unknown = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      const gone = new AbortController();
      response.once('close', () => {
        if (!response.writableFinished) gone.abort();
      });
      const { status, json } = await route(body, gone.signal);
      reply(status, json);
    } catch (thrown) {
      const error = ensureError(thrown);
      reply(error instanceof ServiceBusError ? 400 : 500, { code: error instanceof ServiceBusError ? error.code : 'Internal', message: error.message });
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      clearInterval(sweep);
      for (const subscription of subscriptions) subscription.close();
      for (const poll of polls) poll.answer([]);
      polls = [];
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function lockLost(lockToken: string | undefined): { status: number; json: unknown } {
  return {
    status: 410,
    json: { code: 'MessageLockLost', message: `The lock ${String(lockToken)} is not held: it expired, its message was settled, or its process was given up.` },
  };
}
