import { errorCodes, GatewayError } from '../errors';
import { type DeliveryMessage } from '../queue/deliveryMessage';
import { type SenderRuntime } from './senderDependencies';
import { completedUnlessMalformed, type SendResult } from './sendResult';

/** Runs one step of a tenant broadcast through the bound fan-out runner. */
export async function fanOutStep(runtime: SenderRuntime, message: DeliveryMessage): Promise<SendResult> {
  const run = runtime.runFanOutStep;
  if (run === undefined) throw new GatewayError(errorCodes.Internal, 'The send function was built without a fan-out runner');
  return completedUnlessMalformed(async () => {
    const step = await run(message);
    return [`fan-out step ${message.fanOut?.page ?? '?'} of ${message.notificationId}: ${step.outcome}`];
  });
}
