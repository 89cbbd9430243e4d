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
  /**
   * Session entity: how long a session keeps its slot after its handler returns, waiting for the session's next
   * message (host.json sessionIdleTimeout). 0 or absent: the slot is free as soon as the message is settled.
   */
  sessionIdleTimeoutInMs?: number;
  onHandlerError?: (error: Error, message: ServiceBusReceivedMessage) => void;
}

interface SessionState {
  readonly id: string;
  readonly fifo: FifoQueue<BrokeredMessage>;
  /** A message of this session is in flight: nothing else of it is delivered. */
  locked: boolean;
  /** In the ready-session queue (or, bound, in the queue of sessions whose receiver has a message to take). */
  ready: boolean;
  /** Holds one of the consumer's slots: accepted by a session receiver, kept until idle (sessionIdleTimeoutInMs). */
  bound: boolean;
  /** The lock token of the message whose handler runs on its receiver (which asks for the next one only after). */
  handling: string | undefined;
  /** The idle wait under way, if any: its timer releases the session only if this is still the same wait. */
  idleWait: number | undefined;
}

interface Delivery {
  readonly lockToken: string;
  readonly message: BrokeredMessage;
  readonly session: SessionState | undefined;
  lockedUntil: number;
  /** Its session lock ran out while the handler ran: the session went to other receivers, the slot stays busy. */
  orphaned?: boolean;
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
  /** Bound sessions with a message for their waiting receiver: served before any new session is accepted. */
  private readonly resumableSessions = new FifoQueue<SessionState>();
  /** Sessions holding a slot (session entity): what maxConcurrent caps. */
  private boundSessions = 0;
  /** Slots whose handler still runs on a message whose session lock was lost. */
  private orphanedSlots = 0;
  private idleWaits = 0;
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
    if (consumer === undefined) this.releaseAllSessions();
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

  /**
   * Starts deliveries: first to the sessions that hold a slot and have a message again, then new sessions (or
   * messages) while the consumer has room. As in the Functions host's session processor, a slot stays with its
   * session until the session has had no message for sessionIdleTimeout, so a queue of one-message sessions (a
   * broadcast: one conversation each) is served at maxConcurrent per (handler time + sessionIdleTimeout).
   */
  pump(): void {
    const consumer = this.consumer;
    if (consumer === undefined) return;
    for (;;) {
      const next = this.takeResumed() ?? (this.hasRoom(consumer) ? this.takeNext() : undefined);
      if (next === undefined) return;
      this.deliver(consumer, next.message, next.session);
    }
  }

  private hasRoom(consumer: EntityConsumer): boolean {
    return (this.settings.requiresSession ? this.boundSessions + this.orphanedSlots : this.inFlight.size) < consumer.maxConcurrent;
  }

  /** The next message of a bound session whose receiver waits for it. */
  private takeResumed(): { message: BrokeredMessage; session: SessionState } | undefined {
    for (let session = this.resumableSessions.shift(); session !== undefined; session = this.resumableSessions.shift()) {
      session.ready = false;
      session.idleWait = undefined;
      const message = this.takeFrom(session);
      if (message !== undefined) return { message, session };
    }
    return undefined;
  }

  /** A session's next message, or undefined when it has none left that has not expired (expiry is lazy, as in Service Bus). */
  private takeFrom(session: SessionState): BrokeredMessage | undefined {
    for (let message = session.fifo.shift(); message !== undefined; message = session.fifo.shift()) {
      this.activeCount--;
      if (this.settings.onExpiry === 'ignore' || this.host.now() < message.expiresAt) return message;
      this.expire(message);
    }
    this.markReady(session);
    return undefined;
  }

  private takeNext(): { message: BrokeredMessage; session: SessionState | undefined } | undefined {
    if (this.settings.requiresSession) {
      for (let session = this.readySessions.shift(); session !== undefined; session = this.readySessions.shift()) {
        session.ready = false;
        const message = this.takeFrom(session);
        if (message === undefined) continue;
        // A session receiver accepts it: the slot is the session's until it goes idle.
        session.bound = true;
        this.boundSessions++;
        return { message, session };
      }
      return undefined;
    }
    for (let message = this.readyMessages.shift(); message !== undefined; message = this.readyMessages.shift()) {
      this.activeCount--;
      // Expiry is lazy, as in Service Bus: an expired message is never handed out, it is moved on instead.
      if (this.settings.onExpiry === 'ignore' || this.host.now() < message.expiresAt) return { message, session: undefined };
      this.expire(message);
    }
    return undefined;
  }

  private deliver(consumer: EntityConsumer, message: BrokeredMessage, session: SessionState | undefined): void {
    if (session !== undefined) session.locked = true;
    const now = this.host.now();
    // While the function runs the Functions host renews the lock, up to maxAutoLockRenewalDuration.
    const lockedUntil = now + Math.max(this.settings.lockDurationInMs, this.settings.maxAutoLockRenewalDurationInMs);
    const delivery: Delivery = { lockToken: randomUUID(), message, session, lockedUntil };
    if (session !== undefined) session.handling = delivery.lockToken;
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
    if (delivery.orphaned === true) this.orphanedSlots--;
    else if (delivery.session?.handling === delivery.lockToken) delivery.session.handling = undefined;
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
    // Settled while the handler ran: its receiver now asks for the session's next message.
    if (delivery.session !== undefined && delivery.orphaned !== true) this.markReady(delivery.session);
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
    const session = delivery.session;
    if (session?.bound === true && session.handling === delivery.lockToken) {
      // The broker gives the session to another receiver; this slot is busy until its handler returns.
      session.handling = undefined;
      this.unbind(session);
      this.orphanedSlots++;
      delivery.orphaned = true;
    }
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
      session = { id, fifo: new FifoQueue(), locked: false, ready: false, bound: false, handling: undefined, idleWait: undefined };
      this.sessions.set(id, session);
    }
    return session;
  }

  private unlock(session: SessionState | undefined): void {
    if (session === undefined) return;
    session.locked = false;
    this.markReady(session);
  }

  /**
   * Queues a session for delivery when it has messages and none in flight; forgets it when empty and free. A
   * bound session goes to its own receiver once its handler has returned, or waits idle for a next message.
   */
  private markReady(session: SessionState): void {
    if (session.locked || session.ready) return;
    if (session.bound) {
      if (session.handling !== undefined) return;
      if (session.fifo.length > 0) {
        session.ready = true;
        this.resumableSessions.push(session);
      } else {
        this.waitIdle(session);
      }
      return;
    }
    if (session.fifo.length === 0) {
      // Only this object: a handler of a session released at close may return after a new one took its id.
      if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
      return;
    }
    session.ready = true;
    this.readySessions.push(session);
  }

  /** The session's receiver waits sessionIdleTimeout for its next message, then closes it and frees the slot. */
  private waitIdle(session: SessionState): void {
    if (session.idleWait !== undefined) return;
    const idle = this.consumer?.sessionIdleTimeoutInMs ?? 0;
    if (idle <= 0) {
      this.release(session);
      return;
    }
    const wait = ++this.idleWaits;
    session.idleWait = wait;
    this.host.at(this.host.now() + idle, () => {
      if (session.idleWait !== wait) return;
      session.idleWait = undefined;
      if (session.bound && session.handling === undefined && !session.locked && session.fifo.length === 0) this.release(session);
      else this.markReady(session);
      this.host.changed();
    });
  }

  private release(session: SessionState): void {
    if (!session.bound) return;
    this.unbind(session);
    this.markReady(session);
  }

  /** The session no longer holds a slot (its receiver closed it, lost it, or went away). */
  private unbind(session: SessionState): void {
    session.bound = false;
    session.idleWait = undefined;
    this.boundSessions--;
  }

  /** The consumer went away: its receivers close, and their sessions are free for the next one. */
  private releaseAllSessions(): void {
    for (let session = this.resumableSessions.shift(); session !== undefined; session = this.resumableSessions.shift()) session.ready = false;
    for (const session of [...this.sessions.values()]) {
      if (!session.bound) continue;
      this.unbind(session);
      if (session.handling === undefined) this.markReady(session);
    }
  }
}
