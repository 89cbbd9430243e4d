import { type ServiceBusMessage, type ServiceBusReceivedMessage } from '@azure/service-bus';

type ApplicationProperties = NonNullable<ServiceBusMessage['applicationProperties']>;

/** One message as the in-process broker holds it: the body as bytes, the way it would travel over AMQP. */
export interface BrokeredMessage {
  readonly sequenceNumber: number;
  readonly messageId: string;
  readonly sessionId: string | undefined;
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly subject: string | undefined;
  readonly correlationId: string | undefined;
  applicationProperties: ApplicationProperties;
  readonly timeToLiveInMs: number | undefined;
  readonly scheduledEnqueueTimeUtc: Date | undefined;
  /** When it became active (for a scheduled message: its scheduled time). */
  enqueuedAt: number;
  /** enqueuedAt + TTL; Infinity when it never expires (and always in the dead-letter queue). */
  expiresAt: number;
  /** Deliveries that ended without settlement (abandon, lock expiry), plus the one that dead-lettered it. */
  deliveryCount: number;
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
  deadLetterSource?: string;
}

/**
 * The body encoding of @azure/service-bus: bytes travel as they are, anything else as its JSON text (a Date
 * arrives as a string, undefined as null). Encoding here means the local host cannot pass objects that would
 * not survive the real wire.
 */
export function encodeBody(body: unknown): Buffer {
  if (body instanceof Uint8Array) return Buffer.from(body);
  return Buffer.from(JSON.stringify(body ?? null), 'utf8');
}

/**
 * The body decoding of the Functions SDK binding (@azure/functions-extensions-servicebus): JSON is parsed only
 * when the content type says `application/json`; otherwise the handler gets text. So a sender that forgets the
 * content type fails locally the way it would in Azure.
 */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  const text = body.toString('utf8');
  if (contentType !== 'application/json') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Rough wire size, for the per-message limit (body, ids and application properties dominate). */
export function approximateSizeInBytes(message: Pick<BrokeredMessage, 'body' | 'messageId' | 'sessionId' | 'applicationProperties'>): number {
  return message.body.length + Buffer.byteLength(JSON.stringify(message.applicationProperties)) + message.messageId.length + (message.sessionId?.length ?? 0);
}

/** What a receiver sees: the shape of ServiceBusReceivedMessage that the SDK binding hands a Function. */
export function toReceivedMessage(message: BrokeredMessage, lock: { lockToken: string; lockedUntil: number }): ServiceBusReceivedMessage {
  const applicationProperties = { ...message.applicationProperties };
  return {
    body: decodeBody(message.body, message.contentType),
    messageId: message.messageId,
    sessionId: message.sessionId,
    contentType: message.contentType,
    subject: message.subject,
    correlationId: message.correlationId,
    timeToLive: message.timeToLiveInMs,
    scheduledEnqueueTimeUtc: message.scheduledEnqueueTimeUtc,
    applicationProperties,
    deliveryCount: message.deliveryCount,
    lockToken: lock.lockToken,
    lockedUntilUtc: new Date(lock.lockedUntil),
    enqueuedTimeUtc: new Date(message.enqueuedAt),
    enqueuedSequenceNumber: message.sequenceNumber,
    expiresAtUtc: Number.isFinite(message.expiresAt) ? new Date(message.expiresAt) : undefined,
    deadLetterReason: message.deadLetterReason,
    deadLetterErrorDescription: message.deadLetterErrorDescription,
    deadLetterSource: message.deadLetterSource,
    state: 'active',
    _rawAmqpMessage: {
      body: message.body,
      bodyType: 'data',
      header: { deliveryCount: message.deliveryCount },
      properties: { messageId: message.messageId, groupId: message.sessionId, contentType: message.contentType, subject: message.subject },
      applicationProperties,
    },
  };
}
