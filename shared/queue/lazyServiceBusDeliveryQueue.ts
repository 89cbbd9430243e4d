import { type ServiceBusConnection } from '../config';
import { loadOnFirstUse } from '../loadOnFirstUse';
import { type DeliveryQueue } from './deliveryQueue';
import { type ServiceBusDeliveryQueueOptions } from './serviceBusDeliveryQueue';

/**
 * The Service Bus adapter, with @azure/service-bus and @azure/identity required on the first enqueue: the
 * functions that never enqueue (messages, status reads, health) start without them.
 */
export function lazyServiceBusDeliveryQueue(connection: ServiceBusConnection, options: ServiceBusDeliveryQueueOptions = {}): DeliveryQueue {
  let started = false;
  const queue = loadOnFirstUse(async () => {
    const { createServiceBusDeliveryQueue } = await import('./serviceBusDeliveryQueue');
    started = true;
    return createServiceBusDeliveryQueue(connection, options);
  });
  return {
    enqueue: async (deliveries) => (deliveries.length === 0 ? undefined : (await queue()).enqueue(deliveries)),
    close: async () => (started ? (await queue()).close() : undefined),
  };
}
