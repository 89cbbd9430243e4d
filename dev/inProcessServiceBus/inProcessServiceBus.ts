import { randomUUID } from 'node:crypto';

import { ServiceBusError, type ServiceBusMessage, type ServiceBusReceivedMessage } from '@azure/service-bus';

import { type DeliveryQueue, type QueuedDelivery } from '../../shared/queue/deliveryQueue';
import { maxSessionIdLength, toServiceBusMessage } from '../../shared/queue/serviceBusMessageShape';
import { queueNames } from '../../shared/resourceNames';
import { approximateSizeInBytes, type BrokeredMessage, encodeBody } from './brokeredMessage';
import { DueTimeHeap } from './dueTimeHeap';
import { DuplicateDetectionLog } from './duplicateDetectionLog';
import { type QueueClock, type QueueTimer, systemQueueClock } from './queueClock';
import { type EntityTotals, QueueEntity, type TriggerHandler } from './queueEntity';

/** Service Bus suffix of an entity's dead-letter sub-queue. */
const deadLetterQueueSuffix = '/$DeadLetterQueue';
/** setTimeout's longest delay; a later due time is reached by re-arming. */
const maxTimerDelayInMs = 2_147_483_647;

/** The queue's properties, Service Bus defaults unless noted; infra/ sets the same ones on the real queue. */
export interface InProcessServiceBusOptions {
  /** Default `notifications`. */
  queueName?: string;
  /** Default true (the notifications queue is session-enabled). */
  requiresSession?: boolean;
  /** Default 60 s. */
  lockDurationInMs?: number;
  /** Default 5 min, host.json's maxAutoLockRenewalDuration. */
  maxAutoLockRenewalDurationInMs?: number;
  /** Default 10. */
  maxDeliveryCount?: number;
  /** Default 10 min; 0 turns duplicate detection off. */
  duplicateDetectionWindowInMs?: number;
  /** Default: never expires. Also caps a message's own timeToLive. */
  defaultMessageTimeToLiveInMs?: number;
  /** Default true: expired messages go to the dead-letter queue as TTLExpiredException instead of vanishing. */
  deadLetteringOnMessageExpiration?: boolean;
  /** Default 256 KiB (Standard tier). */
  maxMessageSizeInBytes?: number;
  clock?: QueueClock;
}

export interface SubscribeOptions {
  /** Session entity: sessions served at once (host.json maxConcurrentSessions). Default 8. */
  maxConcurrentSessions?: number;
  /**
   * Session entity: how long a session keeps its slot waiting for its next message after its handler returns
   * (host.json sessionIdleTimeout; the host's default is a minute). Default 0: the slot is free at once.
   */
  sessionIdleTimeoutInMs?: number;
  /** Sessionless entity (the dead-letter queue): messages at once. Default 16. */
  maxConcurrentCalls?: number;
  /** Told of every handler that throws (the message is abandoned either way). */
  onHandlerError?: (error: Error, message: ServiceBusReceivedMessage) => void;
}

export interface Subscription {
  /** Stops new deliveries; deliveries in flight still settle. */
  close(): void;
}

export interface InProcessQueueCounts {
  active: number;
  scheduled: number;
  inFlight: number;
  /** Messages in the dead-letter queue now (in flight there included). */
  deadLettered: number;
  totals: EntityTotals & { sent: number; duplicatesDropped: number };
}

interface Waiter {
  until: 'idle' | 'drained';
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Service Bus in process, for the local host: the `notifications` queue and its dead-letter queue with the
 * semantics the gateway relies on (peek-lock, delivery count, max delivery count, sessions in order, scheduled
 * messages, duplicate detection, TTL, dead-letter reason/description). Sending is the DeliveryQueue port with
 * the same message shape as Azure; consumers get the same trigger context as the Functions SDK binding.
 *
 * A session holds one of the consumer's maxConcurrentSessions slots from its first message until it has had
 * none for sessionIdleTimeout after its handler returned, as the host's session processor holds it (the
 * throughput of one-message sessions depends on it). Known simplifications: only the per-message size limit is
 * checked (no batch limit, the local host sends arrays); no defer, peek, Long sequence numbers or partitioning.
 */
export class InProcessServiceBus implements DeliveryQueue {
  readonly queuePath: string;
  readonly deadLetterQueuePath: string;

  private readonly clock: QueueClock;
  private readonly settings: Required<Omit<InProcessServiceBusOptions, 'clock' | 'queueName'>>;
  private readonly queue: QueueEntity;
  private readonly deadLetterQueue: QueueEntity;
  private readonly duplicates: DuplicateDetectionLog;
  private readonly timers = new DueTimeHeap<() => void>();
  private armed: { dueAt: number; timer: QueueTimer } | undefined;
  private waiters: Waiter[] = [];
  private pumpQueued = false;
  private sequence = 0;
  private sent = 0;
  private duplicatesDropped = 0;
  private closed = false;

  constructor(options: InProcessServiceBusOptions = {}) {
    this.clock = options.clock ?? systemQueueClock;
    this.queuePath = options.queueName ?? queueNames.notifications;
    this.deadLetterQueuePath = `${this.queuePath}${deadLetterQueueSuffix}`;
    this.settings = {
      requiresSession: options.requiresSession ?? true,
      lockDurationInMs: options.lockDurationInMs ?? 60_000,
      maxAutoLockRenewalDurationInMs: options.maxAutoLockRenewalDurationInMs ?? 5 * 60_000,
      maxDeliveryCount: options.maxDeliveryCount ?? 10,
      duplicateDetectionWindowInMs: options.duplicateDetectionWindowInMs ?? 10 * 60_000,
      defaultMessageTimeToLiveInMs: options.defaultMessageTimeToLiveInMs ?? Number.POSITIVE_INFINITY,
      deadLetteringOnMessageExpiration: options.deadLetteringOnMessageExpiration ?? true,
      maxMessageSizeInBytes: options.maxMessageSizeInBytes ?? 256 * 1024,
    };
    this.duplicates = new DuplicateDetectionLog(this.settings.duplicateDetectionWindowInMs);
    const host = (deadLetter: (message: BrokeredMessage, reason: string | undefined, description: string | undefined) => void) => ({
      now: () => this.clock.now(),
      at: (dueAt: number, action: () => void) => this.at(dueAt, action),
      deadLetter,
      changed: () => this.changed(),
    });
    const lock = { lockDurationInMs: this.settings.lockDurationInMs, maxAutoLockRenewalDurationInMs: this.settings.maxAutoLockRenewalDurationInMs };
    this.queue = new QueueEntity(
      {
        path: this.queuePath,
        requiresSession: this.settings.requiresSession,
        maxDeliveryCount: this.settings.maxDeliveryCount,
        onExpiry: this.settings.deadLetteringOnMessageExpiration ? 'deadLetter' : 'drop',
        ...lock,
      },
      host((message, reason, description) => this.moveToDeadLetterQueue(message, reason, description)),
    );
    // The dead-letter queue is never session-bound, ignores TTL, and nothing is dead-lettered from it.
    this.deadLetterQueue = new QueueEntity(
      { path: this.deadLetterQueuePath, requiresSession: false, maxDeliveryCount: undefined, onExpiry: 'ignore', ...lock },
      host(() => undefined),
    );
  }

  /** The DeliveryQueue port: the same Service Bus message shape as in Azure. */
  async enqueue(deliveries: readonly QueuedDelivery[]): Promise<void> {
    const now = new Date(this.clock.now());
    await this.sendMessages(deliveries.map((delivery) => toServiceBusMessage(delivery, now)));
  }

  /**
   * ServiceBusSender.sendMessages for the queue (a dead-letter queue cannot be sent to). All or nothing, like
   * a batch: every message is checked before any is accepted. A duplicate within the window is dropped
   * silently; a future `scheduledEnqueueTimeUtc` holds the message until then.
   */
  async sendMessages(messages: ServiceBusMessage | readonly ServiceBusMessage[]): Promise<void> {
    this.assertOpen();
    const list: readonly ServiceBusMessage[] = Array.isArray(messages) ? messages : [messages as ServiceBusMessage];
    const now = this.clock.now();
    const brokered = list.map((message) => this.toBrokered(message, now));
    for (const message of brokered) {
      this.sent++;
      if (this.duplicates.checkAndRecord(message.messageId, now)) {
        this.duplicatesDropped++;
        continue;
      }
      const scheduledAt = message.scheduledEnqueueTimeUtc?.getTime();
      if (scheduledAt !== undefined && scheduledAt > now) {
        this.queue.scheduledCount++;
        this.at(scheduledAt, () => {
          this.queue.scheduledCount--;
          this.activate(message, scheduledAt);
        });
      } else {
        this.activate(message, now);
      }
    }
    this.changed();
    return Promise.resolve();
  }

  /**
   * Feeds a consumer like the Functions Service Bus trigger (sdkBinding, autoCompleteMessages false): one
   * message per call as `{ messages: [message], actions }`. `queuePath` is the queue or its dead-letter queue.
   */
  subscribe(queuePath: string, handler: TriggerHandler, options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const entity = this.entity(queuePath);
    const maxConcurrent = entity.settings.requiresSession ? (options.maxConcurrentSessions ?? 8) : (options.maxConcurrentCalls ?? 16);
    const consumer = {
      handler,
      maxConcurrent,
      ...(entity.settings.requiresSession && options.sessionIdleTimeoutInMs !== undefined ? { sessionIdleTimeoutInMs: options.sessionIdleTimeoutInMs } : {}),
      ...(options.onHandlerError === undefined ? {} : { onHandlerError: options.onHandlerError }),
    };
    entity.setConsumer(consumer);
    this.changed();
    return {
      close: () => {
        entity.setConsumer(undefined);
        this.changed();
      },
    };
  }

  getCounts(): InProcessQueueCounts {
    return {
      active: this.queue.activeCount,
      scheduled: this.queue.scheduledCount,
      inFlight: this.queue.inFlightCount,
      deadLettered: this.deadLetterQueue.activeCount + this.deadLetterQueue.inFlightCount,
      totals: { ...this.queue.totals, sent: this.sent, duplicatesDropped: this.duplicatesDropped },
    };
  }

  /** Resolves when no consumed entity has a message to deliver, in flight, or a handler running (scheduled ones may wait). */
  async waitForIdle(): Promise<void> {
    return this.waitUntil('idle');
  }

  /** As waitForIdle, and no scheduled message is left either (with a real clock this waits for them). */
  async drain(): Promise<void> {
    return this.waitUntil('drained');
  }

  /** Stops every timer and consumer; waiters are rejected, later sends fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.armed?.timer.cancel();
    this.armed = undefined;
    this.timers.clear();
    this.queue.setConsumer(undefined);
    this.deadLetterQueue.setConsumer(undefined);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(new ServiceBusError('The in-process Service Bus was closed', 'GeneralError'));
    return Promise.resolve();
  }

  private toBrokered(message: ServiceBusMessage, now: number): BrokeredMessage {
    const messageId = message.messageId === undefined ? randomUUID() : Buffer.isBuffer(message.messageId) ? message.messageId.toString('hex') : String(message.messageId);
    // The SDK refuses these before anything is sent; so does the stand-in.
    if (messageId.length > 128) throw new ServiceBusError("Length of 'messageId' property on the message cannot be greater than 128 characters.", 'GeneralError');
    if (message.sessionId !== undefined && message.sessionId.length > maxSessionIdLength) {
      throw new ServiceBusError(`Length of 'sessionId' property on the message cannot be greater than ${maxSessionIdLength} characters.`, 'GeneralError');
    }
    if (this.settings.requiresSession && (message.sessionId === undefined || message.sessionId === '')) {
      throw new ServiceBusError(
        'The SessionId was not set on a message, and it cannot be sent to the entity. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value.',
        'GeneralError',
      );
    }
    const timeToLiveInMs = message.timeToLive !== undefined && message.timeToLive > 0 ? message.timeToLive : undefined;
    const brokered: BrokeredMessage = {
      sequenceNumber: ++this.sequence,
      messageId,
      sessionId: message.sessionId,
      body: encodeBody(message.body),
      contentType: message.contentType,
      subject: message.subject,
      correlationId: message.correlationId === undefined ? undefined : String(message.correlationId),
      applicationProperties: { ...(message.applicationProperties ?? {}) },
      timeToLiveInMs,
      scheduledEnqueueTimeUtc: message.scheduledEnqueueTimeUtc,
      enqueuedAt: now,
      expiresAt: Number.POSITIVE_INFINITY,
      deliveryCount: 0,
    };
    const size = approximateSizeInBytes(brokered);
    if (size > this.settings.maxMessageSizeInBytes) {
      throw new ServiceBusError(`The message of ${size} bytes exceeds the limit of ${this.settings.maxMessageSizeInBytes} bytes.`, 'MessageSizeExceeded');
    }
    return brokered;
  }

  /** The message becomes visible; its TTL starts now (for a scheduled one: at its scheduled time). */
  private activate(message: BrokeredMessage, at: number): void {
    const timeToLive = Math.min(message.timeToLiveInMs ?? Number.POSITIVE_INFINITY, this.settings.defaultMessageTimeToLiveInMs);
    message.enqueuedAt = at;
    message.expiresAt = at + timeToLive;
    this.queue.accept(message);
  }

  /** The broker's dead-letter gesture: reason and description also become application properties, as in Service Bus. */
  private moveToDeadLetterQueue(message: BrokeredMessage, reason: string | undefined, description: string | undefined): void {
    const properties = { ...message.applicationProperties };
    if (reason !== undefined) properties.DeadLetterReason = reason;
    if (description !== undefined) properties.DeadLetterErrorDescription = description;
    message.applicationProperties = properties;
    if (reason !== undefined) message.deadLetterReason = reason;
    if (description !== undefined) message.deadLetterErrorDescription = description;
    message.deadLetterSource = this.queuePath;
    message.expiresAt = Number.POSITIVE_INFINITY;
    this.deadLetterQueue.accept(message);
  }

  private entity(queuePath: string): QueueEntity {
    if (queuePath === this.queuePath) return this.queue;
    if (queuePath === this.deadLetterQueuePath) return this.deadLetterQueue;
    throw new ServiceBusError(`The messaging entity '${queuePath}' could not be found.`, 'MessagingEntityNotFound');
  }

  private assertOpen(): void {
    if (this.closed) throw new ServiceBusError('The in-process Service Bus was closed', 'GeneralError');
  }

  private at(dueAt: number, action: () => void): void {
    if (this.closed) return;
    this.timers.push(dueAt, action);
    this.arm();
  }

  private arm(): void {
    const dueAt = this.timers.peekDueAt();
    if (dueAt === undefined || (this.armed !== undefined && this.armed.dueAt <= dueAt)) return;
    this.armed?.timer.cancel();
    const delay = Math.min(maxTimerDelayInMs, Math.max(0, dueAt - this.clock.now()));
    this.armed = { dueAt, timer: this.clock.setTimer(() => this.fire(), delay) };
  }

  private fire(): void {
    this.armed = undefined;
    if (this.closed) return;
    const now = this.clock.now();
    for (let action = this.timers.popDue(now); action !== undefined; action = this.timers.popDue(now)) action();
    this.arm();
    this.changed();
  }

  /** Dispatch once per turn, after the current burst of sends and settlements, then tell waiters. */
  private changed(): void {
    if (this.pumpQueued || this.closed) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      if (this.closed) return;
      this.queue.pump();
      this.deadLetterQueue.pump();
      this.resolveWaiters();
    });
  }

  private isIdle(): boolean {
    return [this.queue, this.deadLetterQueue].every((entity) => !entity.hasConsumer || entity.isIdle);
  }

  private resolveWaiters(): void {
    if (this.waiters.length === 0 || !this.isIdle()) return;
    const drained = this.queue.scheduledCount === 0;
    const remaining: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.until === 'idle' || drained) waiter.resolve();
      else remaining.push(waiter);
    }
    this.waiters = remaining;
  }

  private async waitUntil(until: Waiter['until']): Promise<void> {
    this.assertOpen();
    const promise = new Promise<void>((resolve, reject) => this.waiters.push({ until, resolve, reject }));
    this.changed();
    return promise;
  }
}
