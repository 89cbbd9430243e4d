import { composeDescription } from '../delivery/failureDescription';
import { type Departure } from '../delivery/tenantBookings';
import { errorCodes, GatewayError } from '../errors';
import { type DeliveryRecord } from '../notifications/store/notificationStore';
import { type DeliveryMessage } from '../queue/deliveryMessage';
import { type ReceivedQueueMessage } from '../queue/messageSettlement';
import { type DeliveryOutcome, type DeliveryOutcomeLine } from './deliveryOutcomeLog';
import { type SenderRuntime } from './senderDependencies';
import { deadLettered, type SendResult } from './sendResult';

/** A delivery row must exist before its message is queued (intake and fan-out write rows first). */
export const deliveryNotFoundReason = 'DeliveryNotFound';

export type CopyOperationMessage = DeliveryMessage & { operation: 'send' | 'update' | 'delete' };

/** What one attempt on a conversation's copy is about, for outcome lines and retries. */
export interface AttemptContext {
  message: CopyOperationMessage;
  received: ReceivedQueueMessage;
  key: string;
  tenantId: string | undefined;
  conversationId: string | undefined;
  /** The stored conversation to remember a GCC serviceUrl on. */
  rememberOn: string | undefined;
  notes: string[];
  /** The delivery row as this attempt last read or wrote it (with its ETag): the next write skips a read. */
  row?: DeliveryRecord;
  /** Its place in the tenant's departure gate once it may leave: Teams' answer is reported on it (decideAttempt). */
  departure?: Departure;
}

/** Claims the copy for this attempt (`sending`, written BEFORE the Teams call); false when its state moved on. */
export async function startSending(runtime: SenderRuntime, ctx: AttemptContext): Promise<boolean> {
  const result = await runtime.deliveries.markSending(ctx.message.notificationId, ctx.key, ctx.message.attempt, ctx.row);
  if (result.outcome !== 'applied') return false;
  ctx.row = result.delivery;
  return true;
}

export function missingRow(message: CopyOperationMessage, key: string, notes: string[]): SendResult {
  return deadLettered(deliveryNotFoundReason, composeDescription(`no delivery row ${message.notificationId}/${key} exists; the message was not queued by this gateway`), notes);
}

export function attemptLine(
  ctx: AttemptContext,
  outcome: DeliveryOutcome,
  extra: Partial<Pick<DeliveryOutcomeLine, 'status' | 'code' | 'failureClass' | 'activityId' | 'retryAt' | 'removalReason' | 'detail'>> = {},
): DeliveryOutcomeLine {
  const result: DeliveryOutcomeLine = {
    event: 'delivery',
    notificationId: ctx.message.notificationId,
    conversationId: ctx.conversationId ?? ctx.key,
    tenantId: ctx.tenantId,
    operation: ctx.message.operation,
    outcome,
    status: extra.status,
    code: extra.code,
    failureClass: extra.failureClass,
    attempt: ctx.message.attempt,
    messageId: ctx.received.messageId,
  };
  if (extra.activityId !== undefined) result.activityId = extra.activityId;
  if (extra.retryAt !== undefined) result.retryAt = extra.retryAt;
  if (extra.removalReason !== undefined) result.removalReason = extra.removalReason;
  if (extra.detail !== undefined) result.detail = extra.detail;
  return result;
}

/** checkBeforeSend skips an unknown conversation, so a missing one cannot get past it. */
export function unreachable(): never {
  throw new GatewayError(errorCodes.Internal, 'checkBeforeSend let a delivery without a stored conversation through');
}
