import { type ServiceBusReceivedMessage } from '@azure/service-bus';

import { errorCodes, GatewayError } from '../errors';
import { type MessageSettlement, type ReceivedQueueMessage } from './messageSettlement';

/**
 * A `google.protobuf.StringValue`: how the host's gRPC `Settlement` service (the package's
 * dist/proto/settlement.proto) takes a dead-letter reason and description.
 */
export interface SettlementText {
  value: string;
}

/**
 * The settlement calls of the Functions SDK binding's `ServiceBusMessageActions`
 * (@azure/functions-extensions-servicebus), which the local host's in-process queue implements too. The
 * package declares the dead-letter texts as strings; the wire needs a SettlementText (see toReceivedDeliveries).
 */
export interface ServiceBusTriggerActions {
  complete(message: ServiceBusReceivedMessage): Promise<void>;
  abandon(message: ServiceBusReceivedMessage, propertiesToModify?: Uint8Array): Promise<void>;
  deadletter(
    message: ServiceBusReceivedMessage,
    propertiesToModify?: Uint8Array,
    deadletterReason?: string | SettlementText,
    deadletterErrorDescription?: string | SettlementText,
  ): Promise<void>;
}

/**
 * What a Service Bus trigger hands the handler on either host: in Azure the SDK binding's
 * `ServiceBusMessageContext` (`sdkBinding: true`), locally the in-process queue's context of the same shape.
 */
export interface ServiceBusTriggerContext {
  messages: ServiceBusReceivedMessage | ServiceBusReceivedMessage[];
  actions: ServiceBusTriggerActions;
}

export interface ReceivedDelivery {
  message: ReceivedQueueMessage;
  settlement: MessageSettlement;
}

/** Service Bus caps the dead-letter reason and description (4096 characters each in the .NET SDK the host uses). */
export const maxDeadLetterTextLength = 4096;

/**
 * Turns a Service Bus trigger into messages with their settlement, so no handler knows which host runs it.
 * Throws (coded) when the trigger is not a message context: that is a registration fault (`sdkBinding` off, or
 * two copies of @azure/functions-extensions-base so the binding's factory never ran), not a bad message.
 */
export function toReceivedDeliveries(trigger: unknown): ReceivedDelivery[] {
  if (!isTriggerContext(trigger)) {
    throw new GatewayError(
      errorCodes.Internal,
      'The Service Bus trigger did not hand over a ServiceBusMessageContext: register it with sdkBinding: true and make npm resolve one @azure/functions-extensions-base',
    );
  }
  const { actions } = trigger;
  const messages = Array.isArray(trigger.messages) ? trigger.messages : [trigger.messages];
  return messages.map((received) => ({
    message: toReceivedQueueMessage(received),
    settlement: {
      complete: async () => actions.complete(received),
      abandon: async () => actions.abandon(received),
      deadLetter: async (reason, description) => actions.deadletter(received, undefined, settlementText(reason), settlementText(description)),
    },
  }));
}

/**
 * The gateway's view of a received message. The broker's own dead-letter reasons (MaxDeliveryCountExceeded,
 * TTLExpiredException) arrive as application properties `DeadLetterReason`/`DeadLetterErrorDescription`; the SDKs
 * usually lift them into `deadLetterReason`, and both spellings are read in case one did not.
 */
export function toReceivedQueueMessage(received: ServiceBusReceivedMessage): ReceivedQueueMessage {
  const applicationProperties: Readonly<Record<string, unknown>> = received.applicationProperties ?? {};
  const message: ReceivedQueueMessage = {
    body: received.body as unknown,
    messageId: received.messageId === undefined ? '' : Buffer.isBuffer(received.messageId) ? received.messageId.toString('utf8') : String(received.messageId),
    deliveryCount: received.deliveryCount ?? 0,
    applicationProperties,
  };
  if (received.sessionId !== undefined) message.sessionId = received.sessionId;
  const enqueuedTimeUtc = enqueuedTimeOf(received);
  if (enqueuedTimeUtc !== undefined) message.enqueuedTimeUtc = enqueuedTimeUtc;
  const reason = received.deadLetterReason ?? textProperty(applicationProperties, 'DeadLetterReason') ?? textProperty(applicationProperties, 'deadLetterReason');
  if (reason !== undefined) message.deadLetterReason = reason;
  const description =
    received.deadLetterErrorDescription ??
    textProperty(applicationProperties, 'DeadLetterErrorDescription') ??
    textProperty(applicationProperties, 'deadLetterErrorDescription');
  if (description !== undefined) message.deadLetterErrorDescription = description;
  return message;
}

/**
 * @azure/functions-extensions-servicebus 0.2.0-preview hands the dead-letter strings to gRPC as they are,
 * and the `StringValue` fields refuse a string ("13 INTERNAL: ... deadletterReason: object expected"), so
 * every explicit dead-letter threw. Fixed upstream in 0.4.0 (Azure/azure-functions-nodejs-extensions#28),
 * which wraps the strings itself: drop this wrapping when upgrading (the settlement contract test fails
 * until then, as a wrapped value would be wrapped twice).
 */
function settlementText(text: string): SettlementText {
  return { value: text.slice(0, maxDeadLetterTextLength) };
}

/** The text of a dead-letter reason or description, in either form a settlement call may carry it. */
export function textOfSettlement(text: string | SettlementText | undefined): string | undefined {
  return typeof text === 'string' ? text : text?.value;
}

/**
 * 0.2.0-preview reads `x-opt-enqueued-time` only as a string or number, but the host's AMQP encoding is a
 * timestamp, which rhea decodes to a Date: the raw annotation still has it (fixed upstream in 0.3.0-preview).
 */
function enqueuedTimeOf(received: ServiceBusReceivedMessage): Date | undefined {
  if (received.enqueuedTimeUtc !== undefined) return received.enqueuedTimeUtc;
  // Optional chaining all the way: the local host's messages carry no raw AMQP message.
  const annotated: unknown = (received._rawAmqpMessage as ServiceBusReceivedMessage['_rawAmqpMessage'] | undefined)?.messageAnnotations?.['x-opt-enqueued-time'];
  return annotated instanceof Date ? annotated : undefined;
}

function textProperty(properties: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = properties[name];
  return typeof value === 'string' ? value : undefined;
}

function isTriggerContext(value: unknown): value is ServiceBusTriggerContext {
  if (typeof value !== 'object' || value === null) return false;
  const { messages, actions } = value as Partial<Record<keyof ServiceBusTriggerContext, unknown>>;
  if (typeof messages !== 'object' || messages === null) return false;
  if (typeof actions !== 'object' || actions === null) return false;
  const methods = actions as Partial<Record<keyof ServiceBusTriggerActions, unknown>>;
  return typeof methods.complete === 'function' && typeof methods.abandon === 'function' && typeof methods.deadletter === 'function';
}
