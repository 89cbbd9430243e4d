import { gatewayReasons } from '../connector/teamsErrorCodes';
import { composeDescription } from '../delivery/failureDescription';
import { errorCodes, GatewayError, isGatewayError } from '../errors';
import { type DeliveryMessage } from '../queue/deliveryMessage';
import { type SenderRuntime } from './senderDependencies';
import { completed, deadLettered, type SendResult } from './sendResult';

/** Runs one step of a tenant broadcast through the bound fan-out runner. */
export async function fanOutStep(runtime: SenderRuntime, message: DeliveryMessage): Promise<SendResult> {
  if (runtime.runFanOutStep === undefined) throw new GatewayError(errorCodes.Internal, 'The send function was built without a fan-out runner');
  try {
    const step = await runtime.runFanOutStep(message);
    return completed([`fan-out step ${message.fanOut?.page ?? '?'} of ${message.notificationId}: ${step.outcome}`]);
  } catch (thrown) {
    // A step that is not a step is the message's fault; anything else is a crash and is redelivered.
    if (!isGatewayError(thrown, errorCodes.BadRequest)) throw thrown;
    return deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription(thrown.message), []);
  }
}
