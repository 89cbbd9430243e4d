import { type CallbackAttempt, type CallbackEventRecord, type CallbackEventState, type CallbackEventType } from './callbackEvent';
import { type CallbackRequest } from './callbackRequest';

/** The status read's `callback`: where callbacks go and what became of each event. */
export interface CallbackView {
  /** The receiver without its query string, which may carry the receiver's own token. */
  url: string;
  deliveryFailures: boolean;
  events: CallbackEventView[];
}

export interface CallbackEventView {
  eventId: string;
  type: CallbackEventType;
  state: CallbackEventState;
  attempts: CallbackAttempt[];
  nextAttemptAt?: string;
}

export function callbackView(callback: CallbackRequest, events: readonly CallbackEventRecord[]): CallbackView {
  const url = new URL(callback.url);
  return {
    url: `${url.origin}${url.pathname}`,
    deliveryFailures: callback.deliveryFailures,
    events: events.map((event) => ({
      eventId: event.eventId,
      type: event.type,
      state: event.state,
      attempts: event.attempts,
      ...(event.nextAttemptAt === undefined ? {} : { nextAttemptAt: event.nextAttemptAt }),
    })),
  };
}
