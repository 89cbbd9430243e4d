import { errorCodes, GatewayError } from '../errors';
import { type DeliveryMessage } from '../queue/deliveryMessage';
import { type CallbackCheckServices,runCallbackCheck } from './callbackCheck';
import { type CallbackDeliveryServices, runCallbackDelivery } from './callbackDelivery';
import { type CallbackTriggerServices } from './callbackTriggers';

/** What the callback steps and triggers need; `post` is absent while status callbacks are off. */
export type CallbackServices = CallbackCheckServices & CallbackTriggerServices & Omit<CallbackDeliveryServices, 'post'> & { post?: CallbackDeliveryServices['post'] };

/** A `callbackCheck` or `callback` queue message, run by the send function; returns a note for the log. */
export async function runCallbackMessage(message: DeliveryMessage, services: CallbackServices): Promise<string> {
  if (message.operation === 'callbackCheck') return runCallbackCheck(message.notificationId, services);
  const event = message.callbackEvent;
  if (message.operation !== 'callback' || event === undefined) {
    throw new GatewayError(errorCodes.BadRequest, `Message ${message.notificationId}/${message.operation} is not a callback message`);
  }
  // Switched off since the event was raised (no allowlist or secret any more): it stays pending, visibly.
  if (services.post === undefined) return `callback ${event.eventId} of ${message.notificationId} not sent: status callbacks are not enabled`;
  return runCallbackDelivery(message.notificationId, event.eventId, message.attempt, { ...services, post: services.post });
}
