import { type DeliveryMessage } from './deliveryMessage';

/** One message to put on the `notifications` queue. */
export interface QueuedDelivery {
  body: DeliveryMessage;
  /** Deliver no earlier than this (Service Bus `scheduledEnqueueTimeUtc`). */
  notBefore?: Date;
}

/**
 * The queue as the core sees it. Implemented by the Service Bus adapter (serviceBusDeliveryQueue.ts) and by
 * the local host's in-process queue; both derive messageId and sessionId from the body the same way
 * (toServiceBusMessage in serviceBusMessageShape.ts).
 */
export interface DeliveryQueue {
  /** Enqueue in as few batches as the transport allows; resolves when all are durably accepted. */
  enqueue(deliveries: readonly QueuedDelivery[]): Promise<void>;
  close?(): Promise<void>;
}
