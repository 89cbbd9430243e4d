import { randomUUID } from 'node:crypto';

import { type ModelBindingData } from '@azure/functions-extensions-base';
import { message as amqpMessage, types as amqpTypes } from 'rhea';

/**
 * A Service Bus trigger's input as the Functions host hands it to a Node worker for an `sdkBinding` trigger:
 * ModelBindingData with source `AzureServiceBusReceivedMessage` whose content is the lock token (16 bytes,
 * .NET `Guid.ToByteArray()` order) followed by the received message's raw AMQP bytes (the Service Bus
 * extension's ConvertReceivedMessageToBindingData). The broker's annotations are AMQP-typed as a received
 * message carries them: the lock token as a delivery annotation (uuid), the enqueued time as a timestamp.
 */
export interface HostMessage {
  /** The AMQP body: a data section (what Service Bus SDKs send), or an amqp-value section. */
  body: { data: Buffer } | { value: unknown };
  contentType?: string;
  messageId: string;
  sessionId?: string;
  /** The header's delivery-count as the host writes it (the .NET SDK's DeliveryCount). */
  deliveryCount: number;
  enqueuedTime: Date;
  sequenceNumber: number;
  applicationProperties?: Record<string, string | number | boolean>;
  lockToken?: string;
}

export const serviceBusBindingSource = 'AzureServiceBusReceivedMessage';

export function hostBindingData(message: HostMessage): ModelBindingData & { lockToken: string } {
  const lockToken = message.lockToken ?? randomUUID();
  const uuidBytes = Buffer.from(lockToken.replace(/-/g, ''), 'hex');
  const amqp: Record<string, unknown> = {
    durable: true,
    delivery_count: message.deliveryCount,
    delivery_annotations: { 'x-opt-lock-token': amqpTypes.wrap_uuid(uuidBytes) },
    message_annotations: {
      'x-opt-enqueued-time': amqpTypes.wrap_timestamp(message.enqueuedTime.getTime()),
      'x-opt-sequence-number': amqpTypes.wrap_long(message.sequenceNumber),
    },
    message_id: message.messageId,
    body: 'data' in message.body ? amqpMessage.data_section(message.body.data) : message.body.value,
  };
  if (message.sessionId !== undefined) amqp.group_id = message.sessionId;
  if (message.contentType !== undefined) amqp.content_type = message.contentType;
  if (message.applicationProperties !== undefined) amqp.application_properties = message.applicationProperties;
  return {
    content: Buffer.concat([dotNetGuidBytes(uuidBytes), amqpMessage.encode(amqp)]),
    contentType: 'application/octet-stream',
    source: serviceBusBindingSource,
    version: '1.0',
    lockToken,
  };
}

/** `Guid.ToByteArray()`: the first three groups little-endian, the rest as written. */
function dotNetGuidBytes(uuid: Buffer): Buffer {
  return Buffer.concat([Buffer.from(uuid.subarray(0, 4)).reverse(), Buffer.from(uuid.subarray(4, 6)).reverse(), Buffer.from(uuid.subarray(6, 8)).reverse(), uuid.subarray(8)]);
}
