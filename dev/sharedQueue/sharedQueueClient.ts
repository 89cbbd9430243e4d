import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import { ServiceBusError, type ServiceBusReceivedMessage } from '@azure/service-bus';

import { ensureError } from '../../shared/errors';
import { type DeliveryQueue, type QueuedDelivery } from '../../shared/queue/deliveryQueue';
import { toServiceBusMessage } from '../../shared/queue/serviceBusMessageShape';
import { type ServiceBusTriggerActions, textOfSettlement } from '../../shared/queue/serviceBusTrigger';
import { type SubscribeOptions, type Subscription } from '../inProcessServiceBus/inProcessServiceBus';
import { type TriggerHandler } from '../inProcessServiceBus/queueEntity';
import { type SettleAction, type SharedQueueInfo } from './sharedQueueBroker';
import { fromWireDelivery, toWireMessage, type WireDelivery } from './wireMessages';

/** How long one receive waits on the broker for a message before asking again. */
const pollWaitInMs = 10_000;
/** Pause after the broker could not be reached, before the next receive. */
const retryPauseInMs = 1_000;

/**
 * A gateway process's side of the shared queue (sharedQueueBroker.ts): the DeliveryQueue port and the trigger
 * feed of the in-process queue, over the broker's HTTP protocol, so the local host serves its functions from a
 * queue other processes share. Receives long-poll for as many messages as the trigger has room for (host.json
 * concurrency); each settlement is a call to the broker, which settles on the real entity.
 */
export class SharedQueueClient implements DeliveryQueue {
  private readonly subscriptions = new Set<Subscription>();

  private constructor(
    readonly url: string,
    readonly info: SharedQueueInfo,
  ) {}

  /** Connects to the broker at `url` (LOCAL_QUEUE_URL) and learns its entities. */
  static async connect(url: string): Promise<SharedQueueClient> {
    const base = url.replace(/\/+$/, '');
    try {
      const info = (await call(base, 'GET', '/queue')) as SharedQueueInfo;
      return new SharedQueueClient(base, info);
    } catch (thrown) {
      // Start-up stops with the setting named, not a bare "fetch failed".
      throw new Error(`LOCAL_QUEUE_URL=${url}: no shared queue answers there (start one with node dist/dev/sharedQueueMain.js): ${ensureError(thrown).message}`);
    }
  }

  get queuePath(): string {
    return this.info.queuePath;
  }

  get deadLetterQueuePath(): string {
    return this.info.deadLetterQueuePath;
  }

  async enqueue(deliveries: readonly QueuedDelivery[]): Promise<void> {
    const now = new Date();
    await call(this.url, 'POST', '/messages', { messages: deliveries.map((delivery) => toWireMessage(toServiceBusMessage(delivery, now))) });
  }

  subscribe(queuePath: string, handler: TriggerHandler, options: SubscribeOptions = {}): Subscription {
    const consumer = randomUUID();
    const max = queuePath === this.queuePath ? (options.maxConcurrentSessions ?? 8) : (options.maxConcurrentCalls ?? 16);
    const abort = new AbortController();
    let running = 0;
    let roomFreed: (() => void) | undefined;
    const loop = async (): Promise<void> => {
      while (!abort.signal.aborted) {
        if (running >= max) {
          await new Promise<void>((resolve) => (roomFreed = resolve));
          continue;
        }
        let deliveries: WireDelivery[];
        try {
          // On the session queue the broker also counts the sessions this process holds idle (slots).
          const slots = queuePath === this.queuePath ? { slots: max } : {};
          const answer = (await call(this.url, 'POST', '/receive', { consumer, queuePath, max: max - running, ...slots, waitInMs: pollWaitInMs }, abort.signal)) as { deliveries: WireDelivery[] };
          deliveries = answer.deliveries;
        } catch {
          if (abort.signal.aborted) return;
          await sleep(retryPauseInMs);
          continue;
        }
        for (const wire of deliveries) {
          running++;
          void this.run(handler, wire, options).finally(() => {
            running--;
            roomFreed?.();
            roomFreed = undefined;
          });
        }
      }
    };
    void loop();
    const subscription: Subscription = {
      close: () => {
        abort.abort();
        roomFreed?.();
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    for (const subscription of [...this.subscriptions]) subscription.close();
    return Promise.resolve();
  }

  /** Runs one delivery as the in-process entity would: a throw abandons it, a return without settling is reported. */
  private async run(handler: TriggerHandler, wire: WireDelivery, options: SubscribeOptions): Promise<void> {
    const received = fromWireDelivery(wire);
    let settled = false;
    const settle = async (message: ServiceBusReceivedMessage, action: SettleAction, reason?: string, description?: string): Promise<void> => {
      await call(this.url, 'POST', '/settle', { lockToken: message.lockToken, action, ...(reason === undefined ? {} : { reason }), ...(description === undefined ? {} : { description }) });
      settled = true;
    };
    const actions: ServiceBusTriggerActions = {
      complete: async (message) => settle(message, 'complete'),
      abandon: async (message) => settle(message, 'abandon'),
      deadletter: async (message, _properties, reason, description) => settle(message, 'deadletter', textOfSettlement(reason), textOfSettlement(description)),
    };
    let error: Error | undefined;
    try {
      await handler({ messages: [received], actions });
    } catch (thrown) {
      error = ensureError(thrown);
      options.onHandlerError?.(error, received);
    }
    if (settled && error === undefined) return;
    await call(this.url, 'POST', '/return', { lockToken: wire.lockToken, ...(error === undefined ? {} : { error: error.message }) }).catch(() => undefined);
  }
}

/**
 * Connections to the broker are kept and reused: a gateway calls it for every receive and settlement (and every
 * rescheduled copy), and `fetch` spent about a quarter of a scale-out gateway's CPU in undici, its web streams and
 * abort signals (a profile of `npm run bench -- --only scaleout`), time that stood in for Service Bus's own servers
 * and took the two cores from the gateways being measured. An idle connection is closed here after 4 s, before
 * the broker's server closes it after 5 (a request sent on it as the server closes it fails with ECONNRESET); one
 * that fails so anyway is sent once more on a new connection: the broker never read it.
 */
const brokerAgent = new Agent({ keepAlive: true, timeout: 4_000 });
/** A call the broker does not answer within this (a long-poll waits 10 s at most) fails instead of hanging. */
const callTimeoutInMs = 60_000;

interface BrokerAnswer {
  status: number;
  text: string;
}

/** One call to the broker; its refusals come back as the ServiceBusError the in-process queue would throw. */
async function call(base: string, method: 'GET' | 'POST', route: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const send = async (): Promise<BrokerAnswer> => exchange(`${base}${route}`, method, payload, signal);
  const { status, text } = await send().catch(async (thrown: unknown) => {
    if (thrown instanceof StaleConnectionError) return send();
    throw thrown;
  });
  const json: unknown = text === '' ? undefined : JSON.parse(text);
  if (status >= 200 && status < 300) return json;
  const { code, message } = (json ?? {}) as { code?: string; message?: string };
  throw new ServiceBusError(message ?? `${method} ${route} answered ${status}`, (code ?? 'GeneralError') as ServiceBusError['code']);
}

/** A kept-alive connection the broker had closed: the request never reached it. */
class StaleConnectionError extends Error {}

async function exchange(url: string, method: 'GET' | 'POST', payload: Buffer | undefined, signal: AbortSignal | undefined): Promise<BrokerAnswer> {
  return new Promise<BrokerAnswer>((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: brokerAgent,
        ...(payload === undefined ? {} : { headers: { 'content-type': 'application/json', 'content-length': payload.length } }),
        ...(signal === undefined ? {} : { signal }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(callTimeoutInMs, () => req.destroy(new Error(`the shared queue did not answer ${method} ${url} within ${callTimeoutInMs / 1000} s`)));
    req.on('error', (error: NodeJS.ErrnoException) => reject(req.reusedSocket && error.code === 'ECONNRESET' ? new StaleConnectionError(error.message) : error));
    req.end(payload);
  });
}
