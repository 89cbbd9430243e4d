import { type GatewayServices } from '../gatewayServices';
import { type CallbackServices } from './callbackRunner';

/** The callback steps' services from the composition root (the send and deadLetter functions share it). */
export function callbackServicesOf(services: GatewayServices): CallbackServices {
  return {
    notifications: services.notificationStore,
    events: services.callbackEvents,
    queue: services.deliveryQueue,
    now: services.now,
    ...(services.callbackPoster === undefined ? {} : { post: services.callbackPoster }),
    ...(services.config.callbacks === undefined ? {} : { retryBaseInMs: services.config.callbacks.retryBaseInMs }),
  };
}
