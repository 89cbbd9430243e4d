import { errorCodes, GatewayError } from '../errors';
import { type DeliveryMessage } from '../queue/deliveryMessage';
import { type SenderRuntime } from './senderDependencies';
import { completedUnlessMalformed, type SendResult } from './sendResult';

/**
 * Runs a status-callback message through the bound runner. Completed however the receiver answered: its
 * failures are recorded on the callback event and retried by a scheduled message, never by Service Bus
 * redelivery, so a callback reaches the dead-letter queue only when the message itself is malformed.
 */
export async function callbackStep(runtime: SenderRuntime, message: DeliveryMessage): Promise<SendResult> {
  const run = runtime.runCallbackStep;
  if (run === undefined) throw new GatewayError(errorCodes.Internal, 'The send function was built without a callback runner');
  return completedUnlessMalformed(async () => [await run(message)]);
}
