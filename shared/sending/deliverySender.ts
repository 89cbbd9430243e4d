import { setTimeout as sleepFor } from 'node:timers/promises';

import { type DeliverySettings } from '../config';
import { type BotConnectorClient, type ConnectorConversationTarget } from '../connector/botConnectorClient';
import { type ConnectorAttempt } from '../connector/connectorOutcome';
import { gatewayReasons, teamsErrorCodes } from '../connector/teamsErrorCodes';
import { backoffCeiling } from '../delivery/backoffDelay';
import { decideDelivery, type DeliveryDecision, type RetryDecision } from '../delivery/deliveryPolicy';
import { composeDescription, statusInDescription } from '../delivery/failureDescription';
import { checkBeforeSend } from '../delivery/preSendCheck';
import { type SendPacer } from '../delivery/sendPacer';
import { ensureError, errorCodes, GatewayError, isGatewayError } from '../errors';
import { type ChannelToReach, type ChatToCreate, type DeliveryError, type DeliveryRecord, type DeliveryStatusStore, isChannelToReach } from '../notifications/notificationStore';
import { deliveryKey, type DeliveryMessage } from '../queue/deliveryMessage';
import { type DeliveryQueue } from '../queue/deliveryQueue';
import { type ReceivedQueueMessage } from '../queue/messageSettlement';
import { parseDeliveryBody } from '../queue/serviceBusMessageShape';
import { type ConversationStore, type StoredConversation } from '../store/conversationStore';
import { seenAtNote, sentCopyNotes, sentNotRecordedReason } from './deadLetterFacts';
import { type DeliveryOutcome, type DeliveryOutcomeLine } from './deliveryOutcomeLog';
import { createdChatTarget, targetOf, withTenant } from './deliveryTarget';

/**
 * The send function's work for one queue message: send, update or delete one conversation's copy (creating
 * the personal chat first for a `createFor` delivery), or run one fan-out step. Reads fresh state, asks the
 * pure policy (preSendCheck, SendPacer, decideDelivery) and carries out its answer; returns how to settle the
 * message. Throws only for crashes (storage or queue unavailable): the host then abandons the message and
 * Service Bus redelivers it, which every step here tolerates.
 *
 * Status flow of a send: queued → `sending` (written BEFORE the Teams call) → sent | queued (retry) | the
 * deadLetter function writes failed. The remaining window: a process crash after Teams' 2xx and before the
 * `sent` write leaves `sending`, and the redelivered message posts again. Teams offers no way to ask whether
 * a post arrived (no idempotency key, no read of a conversation's messages), and the gateway's promise is "it
 * arrived, or you can see why not": a rare duplicate beats a silently lost alert. A storage failure (not a
 * crash) in that spot is covered: the message is dead-lettered as SentNotRecorded with the activity id and
 * the deadLetter function records `sent` once storage answers again, with no second post.
 */
export interface DeliverySenderDependencies {
  conversations: Pick<ConversationStore, 'get' | 'findPersonal' | 'findTeamChannel' | 'listByTeam' | 'listByTenant' | 'setServiceUrlOverride'>;
  deliveries: DeliveryStatusStore;
  connector: BotConnectorClient;
  queue: DeliveryQueue;
  pacer: SendPacer;
  settings: Pick<DeliverySettings, 'maxAttempts' | 'backoffBaseInMs' | 'backoffMaxInMs'>;
  gccServiceUrl: string;
  now: () => Date;
  random?: () => number;
  sleep?: (delayInMs: number) => Promise<void>;
  /**
   * Longest pacing wait spent inside one invocation (default 10 s, well inside the 60 s lock even with a
   * 20 s request after it); a longer wait reschedules a copy and frees the session.
   */
  maxPacingWaitInMs?: number;
  /** Runs one step of a tenant broadcast (notifications/tenantFanOut.ts runFanOutStep, bound to its services). */
  runFanOutStep?: (message: DeliveryMessage) => Promise<{ outcome: string }>;
}

export type SettlementAction = { kind: 'complete' } | { kind: 'deadLetter'; reason: string; description: string };

export interface SendResult {
  settlement: SettlementAction;
  /** The one structured outcome line, when this message reached one (deliveryOutcomeLog.ts). */
  outcome?: DeliveryOutcomeLine;
  /** Plain notes for the log: why a message was completed without a request, deferrals, resends. */
  notes: string[];
}

export interface DeliverySender {
  process(received: ReceivedQueueMessage): Promise<SendResult>;
}

/** A delivery row must exist before its message is queued (intake and fan-out write rows first). */
export const deliveryNotFoundReason = 'DeliveryNotFound';
/** An update or delete waits this many reschedules for its send before giving up as RetriesExhausted. */
const copyOperationWaitFactor = 4;
/** Longest pacing wait spent inside an invocation; a later slot is waited for on the queue instead. */
const defaultMaxPacingWaitInMs = 1_000;
/** How late a deferred copy may arrive for its booked slot and still use it. */
const lateSlotToleranceInMs = 50;
/** Retries of the `sent` write after a successful post, before handing the ids to the dead-letter queue. */
const sentWriteDelaysInMs = [100, 500, 2_000];

type CopyOperationMessage = DeliveryMessage & { operation: 'send' | 'update' | 'delete' };

/** What the attempt is about, for outcome lines and retries. */
interface AttemptContext {
  message: CopyOperationMessage;
  received: ReceivedQueueMessage;
  key: string;
  tenantId: string | undefined;
  conversationId: string | undefined;
  /** The stored conversation to remember a GCC serviceUrl on. */
  rememberOn: string | undefined;
  notes: string[];
}

export function createDeliverySender(deps: DeliverySenderDependencies): DeliverySender {
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? (async (delayInMs: number): Promise<void> => sleepFor(delayInMs));
  const maxPacingWaitInMs = deps.maxPacingWaitInMs ?? defaultMaxPacingWaitInMs;
  const { conversations, deliveries, connector, queue, pacer } = deps;

  async function process(received: ReceivedQueueMessage): Promise<SendResult> {
    const parsed = parseDeliveryBody(received);
    if (!parsed.ok) {
      const where = parsed.error.details.map((d) => `${d.path === '' ? '(body)' : d.path}: ${d.message}`).join(', ');
      return deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription(parsed.error.message, where), []);
    }
    const message = parsed.delivery;
    switch (message.operation) {
      case 'fanOut':
        return fanOut(message);
      case 'send':
        return send({ ...message, operation: 'send' }, received);
      case 'update':
      case 'delete':
        return changeCopy({ ...message, operation: message.operation }, received);
    }
  }

  async function fanOut(message: DeliveryMessage): Promise<SendResult> {
    if (deps.runFanOutStep === undefined) throw new GatewayError(errorCodes.Internal, 'The send function was built without a fan-out runner');
    try {
      const step = await deps.runFanOutStep(message);
      return completed([`fan-out step ${message.fanOut?.page ?? '?'} of ${message.notificationId}: ${step.outcome}`]);
    } catch (thrown) {
      // A step that is not a step is the message's fault; anything else is a crash and is redelivered.
      if (!isGatewayError(thrown, errorCodes.BadRequest)) throw thrown;
      return deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription(thrown.message), []);
    }
  }

  // ---- send ------------------------------------------------------------------------------------------

  async function send(message: CopyOperationMessage, received: ReceivedQueueMessage): Promise<SendResult> {
    const notes: string[] = [];
    const key = deliveryKey(message);
    if (message.activity === undefined) {
      return deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription('a send message carries no activity'), notes);
    }
    // Both reads at once: a send is mostly waiting on storage.
    const [record, conversation] = await Promise.all([
      deliveries.getDelivery(message.notificationId, key),
      message.conversationId === undefined ? Promise.resolve(undefined) : conversations.get(message.conversationId),
    ]);
    if (record === undefined) return missingRow(message, key, notes);
    if (record.status !== 'queued' && record.status !== 'sending') {
      // Sent (a redelivery after the sent write), cancelled by a DELETE, or already finished.
      return completed([...notes, `delivery ${message.notificationId}/${key} is ${record.status}: nothing to send`]);
    }
    if (message.attempt < record.attempts) {
      // A newer attempt has started (this one was redelivered after its retry was already scheduled).
      return completed([...notes, `attempt ${message.attempt} of ${message.notificationId}/${key} is superseded by attempt ${record.attempts}`]);
    }
    if (record.status === 'sending') {
      notes.push(`${message.notificationId}/${key} attempt ${message.attempt} was interrupted while sending; sending again (Teams cannot be asked whether it arrived)`);
    }

    const ctx: AttemptContext = { message, received, key, tenantId: record.tenantId, conversationId: message.conversationId, rememberOn: message.conversationId, notes };
    let target: ConnectorConversationTarget;
    if (message.conversationId !== undefined) {
      ctx.tenantId = conversation?.tenantId ?? ctx.tenantId;
      const blocked = await checked(ctx, conversation);
      if (blocked !== undefined || conversation === undefined) return blocked ?? unreachable();
      target = targetOf(conversation, message.serviceUrlOverride);
      const deferred = await pace(ctx, message.conversationId);
      if (deferred !== undefined) return deferred;
      if (!(await startSending(ctx))) return completed([...notes, `${message.notificationId}/${key} changed state before sending`]);
    } else {
      const chat = await chatFor(ctx, record);
      if (chat.kind === 'settled') return chat.result;
      target = chat.target;
    }

    const attempt = await connector.sendToConversation(target, withTenant(message.activity, ctx.tenantId));
    return settleAttempt(ctx, attempt, target.serviceUrl, async (decision) => {
      const activityId = decision.activityId ?? '';
      return recordSent(ctx, activityId, message.conversationId === undefined ? ctx.conversationId : undefined);
    });
  }

  /** Removed or unknown conversation → skipped; expired → dead-letter Expired; undefined → go ahead. */
  async function checked(ctx: AttemptContext, conversation: StoredConversation | undefined): Promise<SendResult | undefined> {
    const now = deps.now();
    const verdict = checkBeforeSend(ctx.message, conversation, now);
    if (verdict.kind === 'send') return undefined;
    if (verdict.kind === 'deadLetter') return deadLettered(verdict.reason, composeDescription(verdict.description, seenAtNote(now)), ctx.notes);
    const error: DeliveryError = { code: verdict.reason, message: verdict.description };
    if (ctx.message.operation === 'send') {
      await deliveries.markFinished(ctx.message.notificationId, ctx.key, { status: 'skipped', error, failureClass: 'gone' });
    } else {
      await deliveries.recordCopyOperation(ctx.message.notificationId, ctx.key, { operation: ctx.message.operation, revision: ctx.message.revision, status: 'skipped', error });
    }
    return {
      settlement: { kind: 'complete' },
      outcome: line(ctx, 'skipped', { code: verdict.reason, failureClass: 'gone', removalReason: verdict.removalReason, detail: verdict.description }),
      notes: ctx.notes,
    };
  }

  /**
   * Books a pacing slot; waits for it inside the invocation only when it is near, otherwise reschedules the
   * copy to its booked slot and completes. Long waits must not hold a session: with 64 sessions and one busy
   * tenant, sleeping invocations would starve every other tenant (and the next fan-out page) behind it.
   */
  async function pace(ctx: AttemptContext, paceKey: string): Promise<SendResult | undefined> {
    const now = deps.now();
    const { pacedUntil, ...unpaced } = ctx.message;
    if (pacedUntil !== undefined) {
      // Deferred to a slot booked earlier: it is this copy's slot; booking again would take a second one. A
      // copy the queue hands over late has lost its slot (sending now would bunch with later slots), so it
      // books anew.
      ctx.message = unpaced;
      const waitInMs = Date.parse(pacedUntil) - now.getTime();
      if (waitInMs >= -lateSlotToleranceInMs && waitInMs <= maxPacingWaitInMs) {
        if (waitInMs > 0) await sleep(waitInMs);
        return undefined;
      }
    }
    const reservation = pacer.reserve(ctx.tenantId ?? '', paceKey, now);
    if (reservation.delayInMs <= maxPacingWaitInMs) {
      if (reservation.delayInMs > 0) await sleep(reservation.delayInMs);
      return undefined;
    }
    // A deferral is a new message with its own messageId, but not an attempt: it never counts toward maxAttempts.
    const notBefore = new Date(now.getTime() + reservation.delayInMs);
    const deferred = { ...ctx.message, deferral: (ctx.message.deferral ?? 0) + 1, pacedUntil: notBefore.toISOString() };
    await queue.enqueue([{ body: deferred, notBefore }]);
    return completed([...ctx.notes, `${ctx.message.operation} ${ctx.message.notificationId}/${ctx.key} paced: rescheduled to its slot at ${notBefore.toISOString()}`]);
  }

  async function startSending(ctx: AttemptContext): Promise<boolean> {
    const result = await deliveries.markSending(ctx.message.notificationId, ctx.key, ctx.message.attempt);
    return result.outcome === 'applied';
  }

  /**
   * The conversation of a `createFor` delivery. A personal chat: the user's stored personal conversation if
   * one appeared since intake, else created now with POST /v3/conversations from a stored reference of the
   * tenant (Teams answers with the existing chat's id when there is one, so a repeat creates nothing new). A
   * channel of a team: its own stored conversation if one appeared, else posted to by its id (Teams: a
   * channel's conversation id is the channel id) with the reference of another channel of the team.
   */
  async function chatFor(
    ctx: AttemptContext,
    record: DeliveryRecord,
  ): Promise<{ kind: 'target'; target: ConnectorConversationTarget } | { kind: 'settled'; result: SendResult }> {
    const { message } = ctx;
    const createFor = message.createFor ?? record.createFor;
    if (createFor === undefined) {
      return { kind: 'settled', result: deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription('a send names neither a conversation nor a chat to create'), ctx.notes) };
    }
    ctx.tenantId = createFor.tenantId;
    const channel = isChannelToReach(createFor);
    const own = channel
      ? await conversations.findTeamChannel(createFor.teamId, createFor.channelId, { tenantId: createFor.tenantId })
      : await conversations.findPersonal(createFor.tenantId, createFor.userAadObjectId);
    if (own !== undefined) {
      ctx.conversationId = own.conversationId;
      ctx.rememberOn = own.conversationId;
      const blocked = await checked({ ...ctx, message: { ...message, conversationId: own.conversationId } }, own);
      if (blocked !== undefined) return { kind: 'settled', result: blocked };
      const deferred = await pace(ctx, own.conversationId);
      if (deferred !== undefined) return { kind: 'settled', result: deferred };
      if (!(await startSending(ctx))) return { kind: 'settled', result: completed([...ctx.notes, `${message.notificationId}/${ctx.key} changed state before sending`]) };
      return { kind: 'target', target: targetOf(own, message.serviceUrlOverride) };
    }

    const reference = await referenceFor(createFor);
    if (reference === undefined) {
      const error: DeliveryError = {
        code: teamsErrorCodes.ConversationNotFound,
        message: channel
          ? `no channel of team ${createFor.teamId} is stored active any more to reach channel ${createFor.channelId} from; nothing was sent`
          : `no personal chat with ${createFor.userAadObjectId} is stored and no active conversation of tenant ${createFor.tenantId} remains to create one from; nothing was sent`,
      };
      await deliveries.markFinished(message.notificationId, ctx.key, { status: 'skipped', error, failureClass: 'gone' });
      return {
        kind: 'settled',
        result: { settlement: { kind: 'complete' }, outcome: line(ctx, 'skipped', { code: error.code, failureClass: 'gone', detail: error.message }), notes: ctx.notes },
      };
    }
    ctx.rememberOn = reference.conversationId;
    const deferred = await pace(ctx, ctx.key);
    if (deferred !== undefined) return { kind: 'settled', result: deferred };
    if (!(await startSending(ctx))) return { kind: 'settled', result: completed([...ctx.notes, `${message.notificationId}/${ctx.key} changed state before sending`]) };
    if (channel) {
      ctx.conversationId = createFor.channelId;
      return { kind: 'target', target: createdChatTarget(reference, { conversationId: createFor.channelId, tenantId: createFor.tenantId, type: 'channel' }, message.serviceUrlOverride) };
    }

    const serviceUrl = message.serviceUrlOverride ?? targetOf(reference).serviceUrl;
    const created = await connector.createPersonalConversation({ serviceUrl, bot: reference.reference.bot, tenantId: createFor.tenantId, userId: createFor.userAadObjectId });
    const decision = decide(ctx, created, serviceUrl);
    if (decision.kind !== 'delivered') return { kind: 'settled', result: await failed(ctx, decision) };
    if (decision.activityId === undefined) {
      return { kind: 'settled', result: deadLettered(teamsErrorCodes.ServiceError, composeDescription(`HTTP ${decision.httpStatus}: the created conversation has no id`, seenAtNote(deps.now())), ctx.notes) };
    }
    ctx.conversationId = decision.activityId;
    // Paced above under the user's key, which names this one chat: no second wait while `sending`.
    return { kind: 'target', target: createdChatTarget(reference, { conversationId: decision.activityId, tenantId: createFor.tenantId, type: 'personal' }, message.serviceUrlOverride) };
  }

  /** The stored reference a `createFor` conversation is reached with. */
  async function referenceFor(createFor: ChatToCreate): Promise<StoredConversation | undefined> {
    return isChannelToReach(createFor) ? teamReference(createFor) : tenantReference(createFor.tenantId, createFor.referenceConversationId);
  }

  /** The named channel of the team if still active, else any active channel conversation of the team. */
  async function teamReference(channel: ChannelToReach): Promise<StoredConversation | undefined> {
    const usable = (candidate: StoredConversation | undefined): candidate is StoredConversation =>
      candidate?.status === 'active' && candidate.teamId === channel.teamId && candidate.tenantId === channel.tenantId;
    if (channel.referenceConversationId !== undefined) {
      const preferred = await conversations.get(channel.referenceConversationId);
      if (usable(preferred)) return preferred;
    }
    for await (const page of conversations.listByTeam(channel.teamId)) {
      for (const summary of page.filter((row) => row.status === 'active' && !row.isThread)) {
        const candidate = await conversations.get(summary.conversationId);
        if (usable(candidate)) return candidate;
      }
    }
    return undefined;
  }

  /** The named reference conversation if still active, else any active conversation of the tenant. */
  async function tenantReference(tenantId: string, preferredId: string | undefined): Promise<StoredConversation | undefined> {
    if (preferredId !== undefined) {
      const preferred = await conversations.get(preferredId);
      if (preferred?.status === 'active' && preferred.tenantId === tenantId) return preferred;
    }
    for await (const page of conversations.listByTenant(tenantId, { status: 'active', pageSize: 10 })) {
      for (const summary of page) {
        const candidate = await conversations.get(summary.conversationId);
        if (candidate?.status === 'active' && candidate.tenantId === tenantId) return candidate;
      }
      return undefined;
    }
    return undefined;
  }

  /**
   * `sent` with Teams' activity id. The post is a fact by now, so a failing write must neither lose the id
   * nor lead to a second post: a few quick retries, then the ids go to the dead-letter queue (durable without
   * Table Storage) for the deadLetter function to record.
   */
  async function recordSent(ctx: AttemptContext, activityId: string, createdConversationId: string | undefined): Promise<SendResult> {
    const sent = { activityId, attempt: ctx.message.attempt, ...(createdConversationId === undefined ? {} : { conversationId: createdConversationId }) };
    let lastError: Error | undefined;
    for (let round = 0; round <= sentWriteDelaysInMs.length; round++) {
      try {
        const result = await deliveries.markSent(ctx.message.notificationId, ctx.key, sent);
        if (result.outcome === 'notFound') ctx.notes.push(`${ctx.message.notificationId}/${ctx.key} was posted but its row is gone`);
        return { settlement: { kind: 'complete' }, outcome: line(ctx, 'sent', { activityId }), notes: ctx.notes };
      } catch (thrown) {
        lastError = ensureError(thrown);
        const delay = sentWriteDelaysInMs[round];
        if (delay !== undefined) await sleep(delay);
      }
    }
    const copy = createdConversationId === undefined ? { activityId } : { activityId, conversationId: createdConversationId };
    return deadLettered(
      sentNotRecordedReason,
      composeDescription(`posted as activity ${activityId}, but the sent status could not be written: ${lastError?.message ?? 'unknown error'}`, ...sentCopyNotes(copy), seenAtNote(deps.now())),
      ctx.notes,
    );
  }

  // ---- update and delete -------------------------------------------------------------------------------

  async function changeCopy(message: CopyOperationMessage & { operation: 'update' | 'delete' }, received: ReceivedQueueMessage): Promise<SendResult> {
    const notes: string[] = [];
    const key = deliveryKey(message);
    if (message.operation === 'update' && message.activity === undefined) {
      return deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription('an update message carries no activity'), notes);
    }
    const record = await deliveries.getDelivery(message.notificationId, key);
    if (record === undefined) return missingRow(message, key, notes);
    const conversationId = message.conversationId ?? record.conversationId;
    const ctx: AttemptContext = { message, received, key, tenantId: record.tenantId ?? message.createFor?.tenantId, conversationId, rememberOn: conversationId, notes };

    if (record.status === 'queued' || record.status === 'sending') return waitForSend(ctx);
    if (record.status !== 'sent') {
      const error: DeliveryError = { code: 'NotSent', message: `the copy was never posted (the delivery is ${record.status}); nothing to ${message.operation}` };
      await deliveries.recordCopyOperation(message.notificationId, key, { operation: message.operation, revision: message.revision, status: 'skipped', error });
      return { settlement: { kind: 'complete' }, outcome: line(ctx, 'skipped', { code: error.code, detail: error.message }), notes };
    }
    const activityId = record.activityId ?? '';
    const last = record.lastOperation;
    if (message.operation === 'update' && last !== undefined && last.status === 'sent' && (last.operation === 'delete' || last.revision > message.revision)) {
      return completed([...notes, `update ${message.revision} of ${message.notificationId}/${key} is superseded by ${last.operation} ${last.revision}`]);
    }
    if (activityId === '') {
      const error: DeliveryError = { code: 'ActivityIdUnknown', message: `Teams returned no activity id for the posted copy; it cannot be ${message.operation}d` };
      await deliveries.recordCopyOperation(message.notificationId, key, { operation: message.operation, revision: message.revision, status: 'skipped', error });
      return { settlement: { kind: 'complete' }, outcome: line(ctx, 'skipped', { code: error.code, detail: error.message }), notes };
    }

    let target: ConnectorConversationTarget;
    const conversation = conversationId === undefined ? undefined : await conversations.get(conversationId);
    if (conversation !== undefined || message.createFor === undefined) {
      ctx.tenantId = conversation?.tenantId ?? ctx.tenantId;
      const blocked = await checked({ ...ctx, message: { ...message, conversationId: conversationId ?? key } }, conversation);
      if (blocked !== undefined || conversation === undefined) return blocked ?? unreachable();
      target = targetOf(conversation, message.serviceUrlOverride);
    } else {
      // A chat the gateway created and Teams never told it about: addressed with the tenant's reference.
      const reference = await referenceFor(message.createFor);
      if (reference === undefined || conversationId === undefined) {
        const error: DeliveryError = { code: teamsErrorCodes.ConversationNotFound, message: `no active conversation of tenant ${message.createFor.tenantId} remains to reach the ${isChannelToReach(message.createFor) ? 'channel' : 'chat'}` };
        await deliveries.recordCopyOperation(message.notificationId, key, { operation: message.operation, revision: message.revision, status: 'skipped', error });
        return { settlement: { kind: 'complete' }, outcome: line(ctx, 'skipped', { code: error.code, failureClass: 'gone', detail: error.message }), notes };
      }
      ctx.rememberOn = reference.conversationId;
      const type = isChannelToReach(message.createFor) ? 'channel' : 'personal';
      target = createdChatTarget(reference, { conversationId, tenantId: message.createFor.tenantId, type }, message.serviceUrlOverride);
    }

    const deferred = await pace(ctx, target.conversation.id);
    if (deferred !== undefined) return deferred;
    const attempt =
      message.operation === 'update'
        ? await connector.updateActivity(target, activityId, withTenant(message.activity ?? { type: 'message' }, ctx.tenantId))
        : await connector.deleteActivity(target, activityId);
    return settleAttempt(ctx, attempt, target.serviceUrl, async () => {
      await deliveries.recordCopyOperation(message.notificationId, key, { operation: message.operation, revision: message.revision, status: 'sent' });
      return { settlement: { kind: 'complete' }, outcome: line(ctx, message.operation === 'update' ? 'updated' : 'deleted', { activityId }), notes };
    });
  }

  /** The send is still pending (its retry may be scheduled later than this message): stay behind it. */
  async function waitForSend(ctx: AttemptContext): Promise<SendResult> {
    const { message } = ctx;
    // Waiting for the send is a deferral, not an attempt: once the send is done, the update or delete still
    // has all its attempts.
    const waited = message.deferral ?? 0;
    const maxWaits = Math.max(1, Math.floor(deps.settings.maxAttempts)) * copyOperationWaitFactor;
    if (waited >= maxWaits) {
      return deadLettered(
        gatewayReasons.RetriesExhausted,
        composeDescription(`the send of this copy was still pending after ${waited} waits; the ${message.operation} was not made`, seenAtNote(deps.now())),
        ctx.notes,
      );
    }
    // No jitter needed: only this session's order matters, not a herd.
    const delayInMs = Math.max(1, backoffCeiling(waited + 1, deps.settings));
    const notBefore = new Date(deps.now().getTime() + delayInMs);
    await queue.enqueue([{ body: { ...message, deferral: waited + 1 }, notBefore }]);
    return completed([...ctx.notes, `${message.operation} of ${message.notificationId}/${ctx.key} waits for its send: rescheduled to ${notBefore.toISOString()}`]);
  }


  // ---- shared ------------------------------------------------------------------------------------------

  function decide(ctx: AttemptContext, attempt: ConnectorAttempt, serviceUrlUsed: string): DeliveryDecision {
    return decideDelivery({
      message: ctx.message,
      connectorAttempt: attempt,
      now: deps.now(),
      settings: deps.settings,
      random,
      gccServiceUrl: deps.gccServiceUrl,
      serviceUrlUsed,
    });
  }

  async function settleAttempt(
    ctx: AttemptContext,
    attempt: ConnectorAttempt,
    serviceUrlUsed: string,
    onDelivered: (decision: Extract<DeliveryDecision, { kind: 'delivered' }>) => Promise<SendResult>,
  ): Promise<SendResult> {
    const decision = decide(ctx, attempt, serviceUrlUsed);
    if (decision.kind === 'delivered') return onDelivered(decision);
    return failed(ctx, decision);
  }

  async function failed(ctx: AttemptContext, decision: Exclude<DeliveryDecision, { kind: 'delivered' }>): Promise<SendResult> {
    if (decision.kind === 'deadLetter') {
      // The deadLetter function records the final state and logs the one `failed` line.
      return deadLettered(decision.reason, composeDescription(decision.description, seenAtNote(deps.now())), ctx.notes);
    }
    return retry(ctx, decision);
  }

  /**
   * Record first, then enqueue, then complete: a crash before the enqueue redelivers this attempt (nothing
   * was posted), and one after it leaves this attempt stale (`attempts` moved past it) or finds the copy sent.
   */
  async function retry(ctx: AttemptContext, decision: RetryDecision): Promise<SendResult> {
    const { message } = ctx;
    const httpStatus = statusInDescription(decision.description);
    const error: DeliveryError = { code: decision.reason, message: decision.description };
    if (httpStatus !== undefined) error.status = httpStatus;
    if (message.operation === 'send') await deliveries.recordRetry(message.notificationId, ctx.key, message.attempt, error);
    else await deliveries.recordCopyOperation(message.notificationId, ctx.key, { operation: message.operation, revision: message.revision, status: 'queued', error });
    if (decision.rememberServiceUrl !== undefined && ctx.rememberOn !== undefined) {
      try {
        await conversations.setServiceUrlOverride(ctx.rememberOn, decision.rememberServiceUrl);
      } catch (thrown) {
        // Only a shortcut for later sends: the rescheduled copy carries the override itself.
        ctx.notes.push(`could not remember ${decision.rememberServiceUrl} for ${ctx.rememberOn}: ${ensureError(thrown).message}`);
      }
    }
    if (decision.throttleCoolDownInMs !== undefined) pacer.coolDownTenant(ctx.tenantId ?? '', decision.throttleCoolDownInMs, deps.now());
    await queue.enqueue([decision.next]);
    return {
      settlement: { kind: 'complete' },
      outcome: line(ctx, 'retrying', { status: httpStatus, code: decision.reason, retryAt: decision.retryAt.toISOString(), detail: decision.description }),
      notes: ctx.notes,
    };
  }

  function missingRow(message: CopyOperationMessage, key: string, notes: string[]): SendResult {
    return deadLettered(deliveryNotFoundReason, composeDescription(`no delivery row ${message.notificationId}/${key} exists; the message was not queued by this gateway`), notes);
  }

  return { process };
}

function completed(notes: string[]): SendResult {
  return { settlement: { kind: 'complete' }, notes };
}

function deadLettered(reason: string, description: string, notes: string[]): SendResult {
  return { settlement: { kind: 'deadLetter', reason, description }, notes };
}

function line(
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
function unreachable(): never {
  throw new GatewayError(errorCodes.Internal, 'checkBeforeSend let a delivery without a stored conversation through');
}
