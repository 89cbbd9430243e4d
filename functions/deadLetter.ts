import { type InvocationContext } from '@azure/functions';

import { callbackServicesOf } from '../shared/callbacks/callbackServices';
import { raiseCallbacksAfter } from '../shared/callbacks/callbackTriggers';
import { getGatewayServices } from '../shared/gatewayServices';
import { parseDeliveryBody } from '../shared/queue/serviceBusMessageShape';
import { toReceivedDeliveries } from '../shared/queue/serviceBusTrigger';
import { connectionSettingNames, deadLetterQueuePath } from '../shared/resourceNames';
import { deadLetterRecorderOf } from '../shared/sending/deadLetterRecorder';
import { logDeliveryOutcome } from '../shared/sending/deliveryOutcomeLog';
import { type GatewayFunctionDefinition } from './functionDefinition';

/**
 * Service Bus trigger on `notifications/$DeadLetterQueue`: classify each failure, write the delivery's final
 * status, prune conversations that are gone, log one structured line, complete. What the send function
 * already recorded before dead-lettering stands, and is not logged twice. A message that is not ours
 * is logged and completed, never a crash; only storage trouble throws (the host abandons and it comes back).
 */
export async function deadLetterHandler(trigger: unknown, context: InvocationContext): Promise<void> {
  const deliveries = toReceivedDeliveries(trigger);
  const services = await getGatewayServices();
  const recorder = deadLetterRecorderOf(services);
  for (const { message, settlement } of deliveries) {
    let recorded;
    try {
      recorded = await recorder.record(message);
    } catch (error) {
      context.error(`deadLetter: message ${message.messageId} (${message.deadLetterReason ?? 'no reason'}) could not be recorded; it is retried`, error);
      throw error;
    }
    for (const note of recorded.notes) context.log(`deadLetter: ${note}`);
    if (recorded.outcome !== undefined) logDeliveryOutcome(context, recorded.outcome);
    const parsed = parseDeliveryBody(message);
    if (parsed.ok) for (const note of await raiseCallbacksAfter(parsed.delivery, recorded.outcome?.outcome, callbackServicesOf(services))) context.warn(`deadLetter: ${note}`);
    await settlement.complete();
  }
}

export const deadLetterFunction: GatewayFunctionDefinition = {
  kind: 'serviceBusQueue',
  name: 'deadLetter',
  options: {
    connection: connectionSettingNames.serviceBus,
    queueName: deadLetterQueuePath,
    // A dead-letter queue is never session-bound, even under a session-enabled queue.
    isSessionsEnabled: false,
    sdkBinding: true,
    autoCompleteMessages: false,
    cardinality: 'one',
    handler: deadLetterHandler,
  },
};
