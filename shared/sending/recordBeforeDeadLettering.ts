import { ensureError } from '../errors';
import { isCallbackOperation } from '../queue/deliveryMessage';
import { type ReceivedQueueMessage } from '../queue/messageSettlement';
import { parseDeliveryBody } from '../queue/serviceBusMessageShape';
import { deliveryNotFoundReason } from './copyAttempt';
import { sentNotRecordedReason } from './deadLetterFacts';
import { type DeadLetterRecorder } from './deadLetterRecorder';
import { type SendResult } from './sendResult';

/**
 * Writes the final state of a delivery the send function is about to dead-letter (failure class, reason,
 * prune of a conversation that is gone), with the deadLetter function's own recorder, BEFORE the dead-letter
 * call. A settlement can fail (the host's gRPC channel, a lost lock): the message then comes back, and the
 * redelivery must find the delivery finished and send nothing, instead of calling Teams again until Service
 * Bus gives up with MaxDeliveryCountExceeded and the class is lost. The deadLetter function, when the
 * message does reach it, finds the state recorded and changes nothing.
 *
 * Left to the deadLetter function: SentNotRecorded (storage was failing; the queue carries the ids until it
 * answers), DeliveryNotFound (no row to write), fan-out steps and messages that are not deliveries. If the write fails here, the message is dead-lettered all
 * the same and recorded there, as before.
 */
export async function recordBeforeDeadLettering(received: ReceivedQueueMessage, result: SendResult, recorder: DeadLetterRecorder): Promise<SendResult> {
  const { settlement } = result;
  if (settlement.kind !== 'deadLetter' || settlement.reason === sentNotRecordedReason || settlement.reason === deliveryNotFoundReason) return result;
  // Only a copy (send, update, delete) calls Teams when it comes back; a message that is not a delivery, or a
  // fan-out step, has no state to protect, and recording it twice would log it twice.
  const parsed = parseDeliveryBody(received);
  if (!parsed.ok || parsed.delivery.operation === 'fanOut' || isCallbackOperation(parsed.delivery.operation)) return result;
  try {
    const recorded = await recorder.record({ ...received, deadLetterReason: settlement.reason, deadLetterErrorDescription: settlement.description });
    const outcome = recorded.outcome ?? result.outcome;
    return { ...result, ...(outcome === undefined ? {} : { outcome }), notes: [...result.notes, ...recorded.notes] };
  } catch (thrown) {
    return { ...result, notes: [...result.notes, `could not record ${settlement.reason} before dead-lettering (the deadLetter function records it): ${ensureError(thrown).message}`] };
  }
}
