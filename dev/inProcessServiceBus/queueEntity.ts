import { randomUUID } from 'node:crypto';

import { ServiceBusError, type ServiceBusReceivedMessage } from '@azure/service-bus';

import { ensureError } from '../../shared/errors';
import { type ServiceBusTriggerActions, type ServiceBusTriggerContext, textOfSettlement } from '../../shared/queue/serviceBusTrigger';
import { type BrokeredMessage, toReceivedMessage } from './brokeredMessage';
import { FifoQueue } from './fifoQueue';

/** The broker's dead-letter reasons and descriptions (as Service Bus words them). */
export const brokerDeadLetterReasons = {
  maxDeliveryCountExceeded: 'MaxDeliveryCountExceeded',
  ttlExpired: 'TTLExpiredException',
} as const;

export interface QueueEntitySettings {
  path: string;
  requiresSession: boolean;
  /** Undefined for the dead-letter queue: nothing is dead-lettered from there. */
  maxDeliveryCount: number | undefined;
  lockDurationInMs: number;
  /** How long the Functions host keeps renewing the lock while the function runs (host.json). */
  maxAutoLockRenewalDurationInMs: number;
  /** What expiry does here: the queue dead-letters (or drops) expired messages; the dead-letter queue ignores TTL. */
  onExpiry: 'deadLetter' | 'drop' | 'ignore';
}

/** What an entity needs from the broker around it. */
export interface EntityHost {
  now(): number;
  /** Run `action` at `dueAt` (the broker's one timer heap). */
  at(dueAt: number, action: () => void): void;
  /** Move a message to the dead-letter queue. */
  deadLetter(message: BrokeredMessage, reason: string | undefined, description: string | undefined): void;
  /** Something changed: dispatch and check idle waiters. */
  changed(): void;
}

export type TriggerHandler = (context: ServiceBusTriggerContext) => Promise<void>;

export interface EntityConsumer {
  handler: TriggerHandler;
  /** Sessions at once on a session entity (one message per session), messages at once otherwise. */
  maxConcurrent: number;
  onHandlerError?: (error: Error, message: ServiceBusReceivedMessage) => void;
}

interface SessionState {
  readonly id: string;
  readonly fifo: FifoQueue<BrokeredMessage>;
  /** A message of this session is in flight: nothing else of it is delivered. */
  locked: boolean;
  /** In the ready-session queue. */
  ready: boolean;
}

interface Delivery {
  readonly lockToken: string;
  readonly message: BrokeredMessage;
  readonly session: SessionState | undefined;
  lockedUntil: number;
}

export interface EntityTotals {
  delivered: number;
  completed: number;
  abandoned: number;
  lockExpired: number;
  deadLettered: number;
  expired: number;
}

/**
 * One Service Bus entity in process: the `notifications` queue or its dead-letter sub-queue. Peek-lock
 * delivery with lock expiry, delivery count and max delivery count; on a session entity one message per
 * session at a time, in order, sessions served round-robin. Work per delivery is O(1): per-session FIFOs and
 * a queue of sessions that have something to deliver, never a scan.
 */
export class QueueEntity {
  readonly totals: EntityTotals = { delivered: 0, completed: 0, abandoned: 0, lockExpired: 0, deadLettered: 0, expired: 0 };
  /** Messages available (not scheduled, not in flight). */
  activeCount = 0;
  /** Scheduled messages not yet active (kept by the broker; counted here for the stats). */
  scheduledCount = 0;
  handlersRunning = 0;

  private readonly sessions = new Map<string, SessionState>();
  private readonly readySessions = new FifoQueue<SessionState>();
  private readonly readyMessages = new FifoQueue<BrokeredMessage>();
  private readonly inFlight = new Map<string, Delivery>();
  private consumer: EntityConsumer | undefined;

  /** The settlement surface handlers get, the same methods as the SDK binding's ServiceBusMessageActions. */
  readonly actions: ServiceBusTriggerActions = {
    complete: async (message) => {
      const delivery = this.settle(message);
      this.totals.completed++;
      this.unlock(delivery.session);
      this.host.changed();
      return Promise.resolve();
    },
    abandon: async (message) => {
      const delivery = this.settle(message);
      this.totals.abandoned++;
      this.redeliverOrDeadLetter(delivery);
      this.unlock(delivery.session);
      this.host.changed();
      return Promise.resolve();
    },
    deadletter: async (message, _propertiesToModify, reason, description) => {
      if (this.settings.maxDeliveryCount === undefined) {
        throw new ServiceBusError(`Cannot dead-letter a message from the dead-letter queue ${this.settings.path}`, 'GeneralError');
      }
      const delivery = this.settle(message);
      // The delivery that dead-letters counts: the dead-letter queue shows how often it was delivered here.
      delivery.message.deliveryCount++;
      this.totals.deadLettered++;
      this.host.deadLetter(delivery.message, textOfSettlement(reason), textOfSettlement(description));
      this.unlock(delivery.session);
      this.host.changed();
      return Promise.resolve();
    },
  };

  constructor(
    readonly settings: QueueEntitySettings,
    private readonly host: EntityHost,
  ) {}

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get hasConsumer(): boolean {
    return this.consumer !== undefined;
  }

  /** Nothing to deliver and nothing being delivered or handled (only meaningful with a consumer). */
  get isIdle(): boolean {
    return this.activeCount === 0 && this.inFlight.size === 0 && this.handlersRunning === 0;
  }

  setConsumer(consumer: EntityConsumer | undefined): void {
    if (consumer !== undefined && this.consumer !== undefined) {
      throw new ServiceBusError(`${this.settings.path} already has a consumer`, 'GeneralError');
    }
    this.consumer = consumer;
  }

  /** A message becomes available (sent, activated after its schedule, or moved here as a dead letter). */
  accept(message: BrokeredMessage): void {
    this.activeCount++;
    if (this.settings.requiresSession) {
      const session = this.sessionFor(message.sessionId ?? '');
      session.fifo.push(message);
      this.markReady(session);
    } else {
      this.readyMessages.push(message);
    }
  }

  /** Starts deliveries while the consumer has room. */
  pump(): void {
    const consumer = this.consumer;
    if (consumer === undefined) return;
    while (this.inFlight.size < consumer.maxConcurrent) {
      const next = this.takeNext();
      if (next === undefined) return;
      this.deliver(consumer, next.message, next.session);
    }
  }

  private takeNext(): { message: BrokeredMessage; session: SessionState | undefined } | undefined {
    for (;;) {
      let message: BrokeredMessage | undefined;
      let session: SessionState | undefined;
      if (this.settings.requiresSession) {
        session = this.readySessions.shift();
        if (session === undefined) return undefined;
        session.ready = false;
        message = session.fifo.shift();
      } else {
        message = this.readyMessages.shift();
      }
      if (message === undefined) return undefined;
      this.activeCount--;
      // Expiry is lazy, as in Service Bus: an expired message is never handed out, it is moved on instead.
      if (this.settings.onExpiry !== 'ignore' && this.host.now() >= message.expiresAt) {
        this.expire(message);
        if (session !== undefined) this.markReady(session);
        continue;
      }
      return { message, session };
    }
  }

  private deliver(consumer: EntityConsumer, message: BrokeredMessage, session: SessionState | undefined): void {
    if (session !== undefined) session.locked = true;
    const now = this.host.now();
    // While the function runs the Functions host renews the lock, up to maxAutoLockRenewalDuration.
    const lockedUntil = now + Math.max(this.settings.lockDurationInMs, this.settings.maxAutoLockRenewalDurationInMs);
    const delivery: Delivery = { lockToken: randomUUID(), message, session, lockedUntil };
    this.inFlight.set(delivery.lockToken, delivery);
    this.scheduleLockExpiry(delivery.lockToken, lockedUntil);
    this.totals.delivered++;
    this.handlersRunning++;
    const received = toReceivedMessage(message, delivery);
    const context: ServiceBusTriggerContext = { messages: [received], actions: this.actions };
    void Promise.resolve()
      .then(async () => consumer.handler(context))
      .then(
        () => this.handlerReturned(delivery, undefined, consumer, received),
        (thrown: unknown) => this.handlerReturned(delivery, ensureError(thrown), consumer, received),
      );
  }

  /**
   * After the function: a throw abandons the message (the host's processor does so when autoComplete is off);
   * a return without settling leaves it locked until the lock runs out (renewal stops with the function), then
   * it is redelivered with deliveryCount + 1. Its session stays locked meanwhile, so order holds.
   */
  private handlerReturned(delivery: Delivery, error: Error | undefined, consumer: EntityConsumer, received: ServiceBusReceivedMessage): void {
    this.handlersRunning--;
    if (error !== undefined) consumer.onHandlerError?.(error, received);
    if (this.inFlight.get(delivery.lockToken) === delivery) {
      if (error !== undefined) {
        this.inFlight.delete(delivery.lockToken);
        this.totals.abandoned++;
        this.redeliverOrDeadLetter(delivery);
        this.unlock(delivery.session);
      } else {
        const lockedUntil = Math.min(delivery.lockedUntil, this.host.now() + this.settings.lockDurationInMs);
        if (lockedUntil < delivery.lockedUntil) {
          delivery.lockedUntil = lockedUntil;
          this.scheduleLockExpiry(delivery.lockToken, lockedUntil);
        }
      }
    }
    this.host.changed();
  }

  /** The timer holds only the lock token, so a settled message is not kept alive until its lock would have run out. */
  private scheduleLockExpiry(lockToken: string, lockedUntil: number): void {
    this.host.at(lockedUntil, () => {
      const delivery = this.inFlight.get(lockToken);
      if (delivery !== undefined) this.expireLockIfDue(delivery);
    });
  }

  private expireLockIfDue(delivery: Delivery): void {
    if (this.inFlight.get(delivery.lockToken) !== delivery || delivery.lockedUntil > this.host.now()) return;
    this.inFlight.delete(delivery.lockToken);
    this.totals.lockExpired++;
    this.redeliverOrDeadLetter(delivery);
    this.unlock(delivery.session);
    this.host.changed();
  }

  /** Takes a delivery out of flight for settlement, or fails as Service Bus does for a lost or used lock. */
  private settle(message: ServiceBusReceivedMessage): Delivery {
    const delivery = message.lockToken === undefined ? undefined : this.inFlight.get(message.lockToken);
    if (delivery !== undefined && delivery.lockedUntil > this.host.now()) {
      this.inFlight.delete(delivery.lockToken);
      return delivery;
    }
    // A lock whose time is up but whose timer has not fired yet is just as lost.
    if (delivery !== undefined) this.expireLockIfDue(delivery);
    throw this.settings.requiresSession
      ? new ServiceBusError(`The session lock has expired on the session ${message.sessionId ?? ''}, or the message was already settled`, 'SessionLockLost')
      : new ServiceBusError('The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.', 'MessageLockLost');
  }

  /** Abandon or lost lock: delivery count + 1, then back at the head of its session (or queue), or dead-lettered. */
  private redeliverOrDeadLetter(delivery: Delivery): void {
    const message = delivery.message;
    message.deliveryCount++;
    const max = this.settings.maxDeliveryCount;
    if (max !== undefined && message.deliveryCount >= max) {
      this.totals.deadLettered++;
      this.host.deadLetter(message, brokerDeadLetterReasons.maxDeliveryCountExceeded, `Message could not be consumed after ${max} delivery attempts.`);
      return;
    }
    this.activeCount++;
    if (delivery.session !== undefined) delivery.session.fifo.unshift(message);
    else this.readyMessages.unshift(message);
  }

  private expire(message: BrokeredMessage): void {
    this.totals.expired++;
    if (this.settings.onExpiry !== 'deadLetter') return;
    this.totals.deadLettered++;
    this.host.deadLetter(message, brokerDeadLetterReasons.ttlExpired, 'The message expired and was dead lettered.');
  }

  private sessionFor(id: string): SessionState {
    let session = this.sessions.get(id);
    if (session === undefined) {
      session = { id, fifo: new FifoQueue(), locked: false, ready: false };
      this.sessions.set(id, session);
    }
    return session;
  }

  private unlock(session: SessionState | undefined): void {
    if (session === undefined) return;
    session.locked = false;
    this.markReady(session);
  }

  /** Queues a session for delivery when it has messages and none in flight; forgets it when empty and free. */
  private markReady(session: SessionState): void {
    if (session.locked || session.ready) return;
    if (session.fifo.length === 0) {
      this.sessions.delete(session.id);
      return;
    }
    session.ready = true;
    this.readySessions.push(session);
  }
}
