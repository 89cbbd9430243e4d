import { type ConnectorConversationTarget } from '../connector/botConnectorClient';
import { gatewayReasons, teamsErrorCodes } from '../connector/teamsErrorCodes';
import { composeDescription } from '../delivery/failureDescription';
import { type DeliveryError, type DeliveryRecord } from '../notifications/notificationStore';
import { decideAttempt, failedAttempt } from './attemptOutcome';
import { type AttemptContext, attemptLine, startSending } from './copyAttempt';
import { paceCopy } from './copyPacing';
import { seenAtNote } from './deadLetterFacts';
import { createdChatTarget, targetOf } from './deliveryTarget';
import { blockedBeforeSend } from './preSendGate';
import { type SenderRuntime } from './senderDependencies';
import { completed, deadLettered, type SendResult } from './sendResult';
import { tenantReference } from './tenantReference';

export type PersonalChatStep = { kind: 'target'; target: ConnectorConversationTarget } | { kind: 'settled'; result: SendResult };

/**
 * The personal chat of a `createFor` delivery: the user's stored personal conversation if one appeared
 * since intake, else created now with POST /v3/conversations from a stored reference of the tenant (Teams
 * answers with the existing chat's id when there is one, so a repeat creates nothing new).
 */
export async function personalChatFor(runtime: SenderRuntime, ctx: AttemptContext, record: DeliveryRecord): Promise<PersonalChatStep> {
  const { message } = ctx;
  const createFor = message.createFor ?? record.createFor;
  if (createFor === undefined) {
    return { kind: 'settled', result: deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription('a send names neither a conversation nor a chat to create'), ctx.notes) };
  }
  ctx.tenantId = createFor.tenantId;
  const personal = await runtime.conversations.findPersonal(createFor.tenantId, createFor.userAadObjectId);
  if (personal !== undefined) {
    ctx.conversationId = personal.conversationId;
    ctx.rememberOn = personal.conversationId;
    const blocked = await blockedBeforeSend(runtime, { ...ctx, message: { ...message, conversationId: personal.conversationId } }, personal);
    if (blocked !== undefined) return { kind: 'settled', result: blocked };
    const deferred = await paceCopy(runtime, ctx, personal.conversationId);
    if (deferred !== undefined) return { kind: 'settled', result: deferred };
    if (!(await startSending(runtime, ctx))) return { kind: 'settled', result: completed([...ctx.notes, `${message.notificationId}/${ctx.key} changed state before sending`]) };
    return { kind: 'target', target: targetOf(personal, message.serviceUrlOverride) };
  }

  const reference = await tenantReference(runtime, createFor.tenantId, createFor.referenceConversationId);
  if (reference === undefined) {
    const error: DeliveryError = {
      code: teamsErrorCodes.ConversationNotFound,
      message: `no personal chat with ${createFor.userAadObjectId} is stored and no active conversation of tenant ${createFor.tenantId} remains to create one from; nothing was sent`,
    };
    await runtime.deliveries.markFinished(message.notificationId, ctx.key, { status: 'skipped', error, failureClass: 'gone' });
    return {
      kind: 'settled',
      result: { settlement: { kind: 'complete' }, outcome: attemptLine(ctx, 'skipped', { code: error.code, failureClass: 'gone', detail: error.message }), notes: ctx.notes },
    };
  }
  ctx.rememberOn = reference.conversationId;
  const deferred = await paceCopy(runtime, ctx, ctx.key);
  if (deferred !== undefined) return { kind: 'settled', result: deferred };
  if (!(await startSending(runtime, ctx))) return { kind: 'settled', result: completed([...ctx.notes, `${message.notificationId}/${ctx.key} changed state before sending`]) };

  const serviceUrl = message.serviceUrlOverride ?? targetOf(reference).serviceUrl;
  const created = await runtime.connector.createPersonalConversation({ serviceUrl, bot: reference.reference.bot, tenantId: createFor.tenantId, userId: createFor.userAadObjectId });
  const decision = decideAttempt(runtime, ctx, created, serviceUrl);
  if (decision.kind !== 'delivered') return { kind: 'settled', result: await failedAttempt(runtime, ctx, decision) };
  if (decision.activityId === undefined) {
    return {
      kind: 'settled',
      result: deadLettered(teamsErrorCodes.ServiceError, composeDescription(`HTTP ${decision.httpStatus}: the created conversation has no id`, seenAtNote(runtime.now())), ctx.notes),
    };
  }
  ctx.conversationId = decision.activityId;
  // Paced above under the user's key, which names this one chat: no second wait while `sending`.
  return { kind: 'target', target: createdChatTarget(reference, { conversationId: decision.activityId, tenantId: createFor.tenantId }, message.serviceUrlOverride) };
}
