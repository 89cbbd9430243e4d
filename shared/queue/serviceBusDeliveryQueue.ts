import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';

import { type ServiceBusConnection } from '../config';
import { ensureError, errorCodes, GatewayError, isGatewayError } from '../errors';
import { queueNames } from '../resourceNames';
import { type DeliveryQueue, type QueuedDelivery } from './deliveryQueue';
import { toServiceBusMessage } from './serviceBusMessageShape';

/** The part of the SDK's sender this adapter uses; tests hand in a fake of exactly this. */
export type DeliverySender = Pick<ServiceBusSender, 'createMessageBatch' | 'sendMessages' | 'close'>;

export interface ServiceBusDeliveryQueueOptions {
  now?: () => Date;
}

/**
 * The `notifications` queue on Azure Service Bus. Messages are packed into as few batches as fit and sent in
 * order, so one conversation's deliveries keep their order. Scheduled deliveries travel in the same batches:
 * `sendMessages` carries `scheduledEnqueueTimeUtc` (the x-opt-scheduled-enqueue-time annotation) and the broker
 * holds the message until then; `scheduleMessages` is only needed to get sequence numbers for cancelling,
 * which the gateway never does. A batch with several session ids is fine on a non-partitioned queue (ours).
 */
export class ServiceBusDeliveryQueue implements DeliveryQueue {
  private readonly now: () => Date;

  constructor(
    private readonly sender: DeliverySender,
    options: ServiceBusDeliveryQueueOptions = {},
    private readonly closeClient: () => Promise<void> = async () => Promise.resolve(),
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async enqueue(deliveries: readonly QueuedDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const now = this.now();
    try {
      let batch = await this.sender.createMessageBatch();
      for (const delivery of deliveries) {
        const message = toServiceBusMessage(delivery, now);
        if (batch.tryAddMessage(message)) continue;
        if (batch.count > 0) {
          await this.sender.sendMessages(batch);
          batch = await this.sender.createMessageBatch();
          if (batch.tryAddMessage(message)) continue;
        }
        throw new GatewayError(errorCodes.PayloadTooLarge, `Delivery ${String(message.messageId)} does not fit in a Service Bus batch of ${batch.maxSizeInBytes} bytes`);
      }
      if (batch.count > 0) await this.sender.sendMessages(batch);
    } catch (thrown) {
      if (isGatewayError(thrown)) throw thrown;
      const error = ensureError(thrown);
      throw new GatewayError(errorCodes.QueueUnavailable, `Service Bus send failed: ${error.message}`, [], { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.sender.close();
    await this.closeClient();
  }
}

/**
 * Builds the adapter from the `ServiceBusConnection` setting: a connection string, or the namespace with a
 * managed identity (the user-assigned one named by `__clientId`, else DefaultAzureCredential).
 */
export function createServiceBusDeliveryQueue(connection: ServiceBusConnection, options: ServiceBusDeliveryQueueOptions = {}): ServiceBusDeliveryQueue {
  const client =
    connection.kind === 'connectionString'
      ? new ServiceBusClient(connection.connectionString)
      : new ServiceBusClient(
          connection.fullyQualifiedNamespace,
          connection.clientId === undefined ? new DefaultAzureCredential() : new ManagedIdentityCredential({ clientId: connection.clientId }),
        );
  const sender = client.createSender(queueNames.notifications);
  return new ServiceBusDeliveryQueue(sender, options, async () => client.close());
}
