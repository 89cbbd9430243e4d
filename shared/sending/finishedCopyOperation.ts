import { type CopyOperationState, type DeliveryRecord } from '../notifications/store/notificationStore';
import { type DeliveryMessage } from '../queue/deliveryMessage';

/**
 * The recorded end (sent, failed or skipped) of the very update or delete a message carries, if it has one:
 * the message is then a redelivery (a settlement that failed) or the dead-letter of an end already recorded.
 * A `queued` state is a retry still to come, so not an end.
 */
export function finishedCopyOperation(
  record: Pick<DeliveryRecord, 'lastOperation'>,
  message: Pick<DeliveryMessage, 'operation' | 'revision'>,
): CopyOperationState | undefined {
  const last = record.lastOperation;
  if (last === undefined || last.status === 'queued') return undefined;
  return last.operation === message.operation && last.revision === message.revision ? last : undefined;
}
