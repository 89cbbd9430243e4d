import { type ConnectorConversationTarget } from '../connector/botConnectorClient';
import { gatewayReasons, teamsErrorCodes } from '../connector/teamsErrorCodes';
import { composeDescription } from '../delivery/failureDescription';
import { type DeliveryError, type DeliveryRecord, isChannelToReach } from '../notifications/store/notificationStore';
import { decideAttempt, failedAttempt } from './attemptOutcome';
import { referenceFor } from './chatReference';
import { type AttemptContext, attemptLine, startSending } from './copyAttempt';
import { paceCopy } from './copyPacing';
import { seenAtNote } from './deadLetterFacts';
import { createdChatTarget, targetOf } from './deliveryTarget';
import { blockedBeforeSend } from './preSendGate';
import { installForUser } from './proactiveInstallStep';
import { type SenderRuntime } from './senderDependencies';
import { completed, deadLettered, type SendResult } from './sendResult';

export type ChatToCreateStep = { kind: 'target'; target: ConnectorConversationTarget } | { kind: 'settled'; result: SendResult };

/**
 * The conversation of a `createFor` delivery. A personal chat: the user's stored personal conversation if
 * one appeared since intake, else created now with POST /v3/conversations from a stored reference of the
 * tenant (Teams answers with the existing chat's id when there is one, so a repeat creates nothing new). A
 * channel of a team: its own stored conversation if one appeared, else posted to by its id (Teams: a
 * channel's conversation id is the channel id) with the reference of another channel of the team.
 */
export async function chatToCreateFor(runtime: SenderRuntime, ctx: AttemptContext, record: DeliveryRecord): Promise<ChatToCreateStep> {
  const { message } = ctx;
  const createFor = message.createFor ?? record.createFor;
  if (createFor === undefined) {
    return { kind: 'settled', result: deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription('a send names neither a conversation nor a chat to create'), ctx.notes) };
  }
  ctx.tenantId = createFor.tenantId;
  const channel = isChannelToReach(createFor);
  const own = channel
    ? await runtime.conversations.findTeamChannel(createFor.teamId, createFor.channelId, { tenantId: createFor.tenantId })
    : await runtime.conversations.findPersonal(createFor.tenantId, createFor.userAadObjectId);
  if (own !== undefined) {
    ctx.conversationId = own.conversationId;
    ctx.rememberOn = own.conversationId;
    const blocked = await blockedBeforeSend(runtime, { ...ctx, message: { ...message, conversationId: own.conversationId } }, own);
    if (blocked !== undefined) return { kind: 'settled', result: blocked };
    const deferred = await paceCopy(runtime, ctx, own.conversationId);
    if (deferred !== undefined) return { kind: 'settled', result: deferred };
    if (!(await startSending(runtime, ctx))) return { kind: 'settled', result: completed([...ctx.notes, `${message.notificationId}/${ctx.key} changed state before sending`]) };
    return { kind: 'target', target: targetOf(own, message.serviceUrlOverride) };
  }

  if (!channel) {
    const install = await installForUser(runtime, ctx, record, createFor);
    if (install.kind === 'settled') return install;
  }

  const reference = await referenceFor(runtime, createFor);
  if (reference === undefined) {
    const error: DeliveryError = {
      code: teamsErrorCodes.ConversationNotFound,
      message: channel
        ? `no channel of team ${createFor.teamId} is stored active any more to reach channel ${createFor.channelId} from; nothing was sent`
        : `no personal chat with ${createFor.userAadObjectId} is stored and no active conversation of tenant ${createFor.tenantId} remains to create one from; nothing was sent`,
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
  if (channel) {
    ctx.conversationId = createFor.channelId;
    return { kind: 'target', target: createdChatTarget(reference, { conversationId: createFor.channelId, tenantId: createFor.tenantId, type: 'channel' }, message.serviceUrlOverride) };
  }

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
  return { kind: 'target', target: createdChatTarget(reference, { conversationId: decision.activityId, tenantId: createFor.tenantId, type: 'personal' }, message.serviceUrlOverride) };
}
