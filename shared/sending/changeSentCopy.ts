import { type ConnectorConversationTarget } from '../connector/botConnectorClient';
import { gatewayReasons, teamsErrorCodes } from '../connector/teamsErrorCodes';
import { backoffCeiling } from '../delivery/backoffDelay';
import { composeDescription } from '../delivery/failureDescription';
import { type DeliveryError } from '../notifications/notificationStore';
import { deliveryKey } from '../queue/deliveryMessage';
import { type ReceivedQueueMessage } from '../queue/messageSettlement';
import { settleAttempt } from './attemptOutcome';
import { type AttemptContext, attemptLine, type CopyOperationMessage, missingRow, unreachable } from './copyAttempt';
import { paceCopy } from './copyPacing';
import { seenAtNote } from './deadLetterFacts';
import { createdChatTarget, targetOf, withTenant } from './deliveryTarget';
import { blockedBeforeSend } from './preSendGate';
import { type SenderRuntime } from './senderDependencies';
import { completed, deadLettered, type SendResult } from './sendResult';
import { tenantReference } from './tenantReference';

/** An update or delete waits this many reschedules for its send before giving up as RetriesExhausted. */
const copyOperationWaitFactor = 4;

export type ChangeCopyMessage = CopyOperationMessage & { operation: 'update' | 'delete' };

/** Updates or deletes a posted copy, once its send is done. */
export async function changeSentCopy(runtime: SenderRuntime, message: ChangeCopyMessage, received: ReceivedQueueMessage): Promise<SendResult> {
  const { deliveries } = runtime;
  const notes: string[] = [];
  const key = deliveryKey(message);
  if (message.operation === 'update' && message.activity === undefined) {
    return deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription('an update message carries no activity'), notes);
  }
  const record = await deliveries.getDelivery(message.notificationId, key);
  if (record === undefined) return missingRow(message, key, notes);
  const conversationId = message.conversationId ?? record.conversationId;
  const ctx: AttemptContext = { message, received, key, tenantId: record.tenantId ?? message.createFor?.tenantId, conversationId, rememberOn: conversationId, notes };

  if (record.status === 'queued' || record.status === 'sending') return waitForSend(runtime, ctx);
  if (record.status !== 'sent') {
    const error: DeliveryError = { code: 'NotSent', message: `the copy was never posted (the delivery is ${record.status}); nothing to ${message.operation}` };
    await deliveries.recordCopyOperation(message.notificationId, key, { operation: message.operation, revision: message.revision, status: 'skipped', error });
    return { settlement: { kind: 'complete' }, outcome: attemptLine(ctx, 'skipped', { code: error.code, detail: error.message }), notes };
  }
  const activityId = record.activityId ?? '';
  const last = record.lastOperation;
  if (message.operation === 'update' && last !== undefined && last.status === 'sent' && (last.operation === 'delete' || last.revision > message.revision)) {
    return completed([...notes, `update ${message.revision} of ${message.notificationId}/${key} is superseded by ${last.operation} ${last.revision}`]);
  }
  if (activityId === '') {
    const error: DeliveryError = { code: 'ActivityIdUnknown', message: `Teams returned no activity id for the posted copy; it cannot be ${message.operation}d` };
    await deliveries.recordCopyOperation(message.notificationId, key, { operation: message.operation, revision: message.revision, status: 'skipped', error });
    return { settlement: { kind: 'complete' }, outcome: attemptLine(ctx, 'skipped', { code: error.code, detail: error.message }), notes };
  }

  let target: ConnectorConversationTarget;
  const conversation = conversationId === undefined ? undefined : await runtime.conversations.get(conversationId);
  if (conversation !== undefined || message.createFor === undefined) {
    ctx.tenantId = conversation?.tenantId ?? ctx.tenantId;
    const blocked = await blockedBeforeSend(runtime, { ...ctx, message: { ...message, conversationId: conversationId ?? key } }, conversation);
    if (blocked !== undefined || conversation === undefined) return blocked ?? unreachable();
    target = targetOf(conversation, message.serviceUrlOverride);
  } else {
    // A chat the gateway created and Teams never told it about: addressed with the tenant's reference.
    const reference = await tenantReference(runtime, message.createFor.tenantId, message.createFor.referenceConversationId);
    if (reference === undefined || conversationId === undefined) {
      const error: DeliveryError = { code: teamsErrorCodes.ConversationNotFound, message: `no active conversation of tenant ${message.createFor.tenantId} remains to reach the chat` };
      await deliveries.recordCopyOperation(message.notificationId, key, { operation: message.operation, revision: message.revision, status: 'skipped', error });
      return { settlement: { kind: 'complete' }, outcome: attemptLine(ctx, 'skipped', { code: error.code, failureClass: 'gone', detail: error.message }), notes };
    }
    ctx.rememberOn = reference.conversationId;
    target = createdChatTarget(reference, { conversationId, tenantId: message.createFor.tenantId }, message.serviceUrlOverride);
  }

  const deferred = await paceCopy(runtime, ctx, target.conversation.id);
  if (deferred !== undefined) return deferred;
  const attempt =
    message.operation === 'update'
      ? await runtime.connector.updateActivity(target, activityId, withTenant(message.activity ?? { type: 'message' }, ctx.tenantId))
      : await runtime.connector.deleteActivity(target, activityId);
  return settleAttempt(runtime, ctx, attempt, target.serviceUrl, async () => {
    await deliveries.recordCopyOperation(message.notificationId, key, { operation: message.operation, revision: message.revision, status: 'sent' });
    return { settlement: { kind: 'complete' }, outcome: attemptLine(ctx, message.operation === 'update' ? 'updated' : 'deleted', { activityId }), notes };
  });
}

/** The send is still pending (its retry may be scheduled later than this message): stay behind it. */
async function waitForSend(runtime: SenderRuntime, ctx: AttemptContext): Promise<SendResult> {
  const { message } = ctx;
  // Waiting for the send is a deferral, not an attempt: once the send is done, the update or delete still
  // has all its attempts.
  const waited = message.deferral ?? 0;
  const maxWaits = Math.max(1, Math.floor(runtime.settings.maxAttempts)) * copyOperationWaitFactor;
  if (waited >= maxWaits) {
    return deadLettered(
      gatewayReasons.RetriesExhausted,
      composeDescription(`the send of this copy was still pending after ${waited} waits; the ${message.operation} was not made`, seenAtNote(runtime.now())),
      ctx.notes,
    );
  }
  // No jitter needed: only this session's order matters, not a herd.
  const delayInMs = Math.max(1, backoffCeiling(waited + 1, runtime.settings));
  const notBefore = new Date(runtime.now().getTime() + delayInMs);
  await runtime.queue.enqueue([{ body: { ...message, deferral: waited + 1 }, notBefore }]);
  return completed([...ctx.notes, `${message.operation} of ${message.notificationId}/${ctx.key} waits for its send: rescheduled to ${notBefore.toISOString()}`]);
}
