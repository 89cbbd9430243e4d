import { type ServiceBusMessage, type ServiceBusReceivedMessage } from '@azure/service-bus';

import { type BrokeredMessage, toReceivedMessage } from '../inProcessServiceBus/brokeredMessage';

/**
 * How messages travel between the shared queue's broker and the gateway processes it feeds (JSON over HTTP,
 * bench and local use only). Bodies go as bytes (base64), exactly as the in-process broker holds them, so a
 * receiving process decodes them the same way the SDK binding would (decodeBody, by content type).
 */

/** A message to send: ServiceBusMessage with its body as bytes and its schedule in epoch ms. */
export interface WireMessage {
  messageId?: string;
  sessionId?: string;
  bodyBase64: string;
  contentType?: string;
  subject?: string;
  correlationId?: string;
  applicationProperties?: Record<string, string | number | boolean | null>;
  timeToLive?: number;
  scheduledEnqueueTimeUtc?: number;
}

/** A delivered message and its lock, as the broker's entity handed it out. */
export interface WireDelivery {
  lockToken: string;
  lockedUntil: number;
  sequenceNumber: number;
  messageId: string;
  sessionId?: string;
  bodyBase64: string;
  contentType?: string;
  subject?: string;
  correlationId?: string;
  applicationProperties: Record<string, string | number | boolean | null>;
  timeToLive?: number;
  scheduledEnqueueTimeUtc?: number;
  enqueuedAt: number;
  /** Absent when it never expires. */
  expiresAt?: number;
  deliveryCount: number;
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
  deadLetterSource?: string;
}

type WireProperties = WireMessage['applicationProperties'];

export function toWireMessage(message: ServiceBusMessage): WireMessage {
  const body = message.body instanceof Uint8Array ? Buffer.from(message.body) : Buffer.from(JSON.stringify(message.body ?? null), 'utf8');
  const wire: WireMessage = { bodyBase64: body.toString('base64') };
  if (message.messageId !== undefined) wire.messageId = Buffer.isBuffer(message.messageId) ? message.messageId.toString('hex') : String(message.messageId);
  if (message.sessionId !== undefined) wire.sessionId = message.sessionId;
  if (message.contentType !== undefined) wire.contentType = message.contentType;
  if (message.subject !== undefined) wire.subject = message.subject;
  if (message.correlationId !== undefined) wire.correlationId = String(message.correlationId);
  if (message.applicationProperties !== undefined) wire.applicationProperties = plainProperties(message.applicationProperties);
  if (message.timeToLive !== undefined) wire.timeToLive = message.timeToLive;
  if (message.scheduledEnqueueTimeUtc !== undefined) wire.scheduledEnqueueTimeUtc = message.scheduledEnqueueTimeUtc.getTime();
  return wire;
}

/** The ServiceBusMessage a WireMessage stands for; the body stays bytes (the broker stores bytes anyway). */
export function fromWireMessage(wire: WireMessage): ServiceBusMessage {
  const message: ServiceBusMessage = { body: Buffer.from(wire.bodyBase64, 'base64') };
  if (wire.messageId !== undefined) message.messageId = wire.messageId;
  if (wire.sessionId !== undefined) message.sessionId = wire.sessionId;
  if (wire.contentType !== undefined) message.contentType = wire.contentType;
  if (wire.subject !== undefined) message.subject = wire.subject;
  if (wire.correlationId !== undefined) message.correlationId = wire.correlationId;
  if (wire.applicationProperties !== undefined) message.applicationProperties = { ...wire.applicationProperties };
  if (wire.timeToLive !== undefined) message.timeToLive = wire.timeToLive;
  if (wire.scheduledEnqueueTimeUtc !== undefined) message.scheduledEnqueueTimeUtc = new Date(wire.scheduledEnqueueTimeUtc);
  return message;
}

/** A received message from the in-process broker (its raw AMQP body holds the bytes as sent). */
export function toWireDelivery(received: ServiceBusReceivedMessage): WireDelivery {
  const raw = (received._rawAmqpMessage as { body?: unknown } | undefined)?.body;
  // Re-encoding the decoded body could change it (text would come back JSON-quoted): only the bytes travel.
  if (!(raw instanceof Uint8Array)) throw new Error(`message ${String(received.messageId)} carries no raw body to pass on`);
  const body = Buffer.from(raw);
  const wire: WireDelivery = {
    lockToken: received.lockToken ?? '',
    lockedUntil: received.lockedUntilUtc?.getTime() ?? 0,
    sequenceNumber: Number(received.enqueuedSequenceNumber ?? 0),
    messageId: String(received.messageId ?? ''),
    bodyBase64: body.toString('base64'),
    applicationProperties: plainProperties(received.applicationProperties ?? {}),
    enqueuedAt: received.enqueuedTimeUtc?.getTime() ?? 0,
    deliveryCount: received.deliveryCount ?? 0,
  };
  if (received.sessionId !== undefined) wire.sessionId = received.sessionId;
  if (received.contentType !== undefined) wire.contentType = received.contentType;
  if (received.subject !== undefined) wire.subject = received.subject;
  if (received.correlationId !== undefined) wire.correlationId = String(received.correlationId);
  if (received.timeToLive !== undefined) wire.timeToLive = received.timeToLive;
  if (received.scheduledEnqueueTimeUtc !== undefined) wire.scheduledEnqueueTimeUtc = received.scheduledEnqueueTimeUtc.getTime();
  if (received.expiresAtUtc !== undefined) wire.expiresAt = received.expiresAtUtc.getTime();
  if (received.deadLetterReason !== undefined) wire.deadLetterReason = received.deadLetterReason;
  if (received.deadLetterErrorDescription !== undefined) wire.deadLetterErrorDescription = received.deadLetterErrorDescription;
  if (received.deadLetterSource !== undefined) wire.deadLetterSource = received.deadLetterSource;
  return wire;
}

/** What a function in the receiving process is handed: the same shape as from the in-process queue. */
export function fromWireDelivery(wire: WireDelivery): ServiceBusReceivedMessage {
  const brokered: BrokeredMessage = {
    sequenceNumber: wire.sequenceNumber,
    messageId: wire.messageId,
    sessionId: wire.sessionId,
    body: Buffer.from(wire.bodyBase64, 'base64'),
    contentType: wire.contentType,
    subject: wire.subject,
    correlationId: wire.correlationId,
    applicationProperties: { ...wire.applicationProperties },
    timeToLiveInMs: wire.timeToLive,
    scheduledEnqueueTimeUtc: wire.scheduledEnqueueTimeUtc === undefined ? undefined : new Date(wire.scheduledEnqueueTimeUtc),
    enqueuedAt: wire.enqueuedAt,
    expiresAt: wire.expiresAt ?? Number.POSITIVE_INFINITY,
    deliveryCount: wire.deliveryCount,
    ...(wire.deadLetterReason === undefined ? {} : { deadLetterReason: wire.deadLetterReason }),
    ...(wire.deadLetterErrorDescription === undefined ? {} : { deadLetterErrorDescription: wire.deadLetterErrorDescription }),
    ...(wire.deadLetterSource === undefined ? {} : { deadLetterSource: wire.deadLetterSource }),
  };
  return toReceivedMessage(brokered, { lockToken: wire.lockToken, lockedUntil: wire.lockedUntil });
}

/** Application properties as JSON keeps them (the gateway sets strings and numbers only; a date travels as epoch ms). */
function plainProperties(properties: Readonly<Record<string, unknown>>): NonNullable<WireProperties> {
  const plain: NonNullable<WireProperties> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') plain[name] = value;
    else if (value instanceof Date) plain[name] = value.getTime();
    else if (value !== undefined) throw new Error(`application property ${name}: the shared queue carries strings, numbers, booleans and dates only`);
  }
  return plain;
}
