import { type ConnectorConversationTarget } from '../connector/botConnectorClient';
import { gatewayReasons } from '../connector/teamsErrorCodes';
import { composeDescription } from '../delivery/failureDescription';
import { ensureError } from '../errors';
import { deliveryKey } from '../queue/deliveryMessage';
import { type ReceivedQueueMessage } from '../queue/messageSettlement';
import { settleAttempt } from './attemptOutcome';
import { chatToCreateFor } from './chatToCreateStep';
import { type AttemptContext, attemptLine, type CopyOperationMessage, missingRow, startSending, unreachable } from './copyAttempt';
import { bookCopySlot, type NearSlot, waitForSlot } from './copyPacing';
import { seenAtNote, sentCopyNotes, sentNotRecordedReason } from './deadLetterFacts';
import { targetOf, withTenant } from './deliveryTarget';
import { blockedBeforeSend } from './preSendGate';
import { type SenderRuntime } from './senderDependencies';
import { completed, deadLettered, type SendResult } from './sendResult';

/** Retries of the `sent` write after a successful post, before handing the ids to the dead-letter queue. */
const sentWriteDelaysInMs = [100, 500, 2_000];

/** Posts one conversation's copy (creating the personal chat first for a `createFor` delivery). */
export async function sendCopy(runtime: SenderRuntime, message: CopyOperationMessage, received: ReceivedQueueMessage): Promise<SendResult> {
  const notes: string[] = [];
  const key = deliveryKey(message);
  if (message.activity === undefined) {
    return deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription('a send message carries no activity'), notes);
  }
  // A copy that names its tenant books its slot before any read: one put off to a later slot (most of a
  // broadcast) then costs no Table read now, only when its slot comes. The reads use up part of the wait for a
  // near slot, and a copy they find nothing to send for (sent, superseded, skipped) hands its slot back.
  let early: { slot: NearSlot; message: CopyOperationMessage } | undefined;
  if (message.conversationId !== undefined && message.tenantId !== undefined) {
    const paced: AttemptContext = { message, received, key, tenantId: message.tenantId, conversationId: message.conversationId, rememberOn: message.conversationId, notes };
    const booked = await bookCopySlot(runtime, paced, message.conversationId);
    if (booked.kind === 'deferred') return booked.result;
    // Pacing drops a used slot (pacedUntil) from the message; the attempt goes on with what it left.
    early = { slot: booked.slot, message: paced.message };
  }
  const ready = await readyToSend(runtime, message, received, notes, early);
  if (ready.kind === 'settled') {
    early?.slot.release();
    return ready.result;
  }
  const { ctx, target } = ready;
  const attempt = await runtime.connector.sendToConversation(target, withTenant(message.activity, ctx.tenantId));
  return settleAttempt(runtime, ctx, attempt, target.serviceUrl, async (decision) => {
    const activityId = decision.activityId ?? '';
    return recordSent(runtime, ctx, activityId, message.conversationId === undefined ? ctx.conversationId : undefined);
  });
}

/** Reads the row (and the conversation), checks the copy may go, waits for its slot and claims it (`sending`). */
async function readyToSend(
  runtime: SenderRuntime,
  message: CopyOperationMessage,
  received: ReceivedQueueMessage,
  notes: string[],
  early: { slot: NearSlot; message: CopyOperationMessage } | undefined,
): Promise<{ kind: 'send'; ctx: AttemptContext; target: ConnectorConversationTarget } | { kind: 'settled'; result: SendResult }> {
  const key = deliveryKey(message);
  const settled = (result: SendResult) => ({ kind: 'settled', result }) as const;
  // Both reads at once: a send is mostly waiting on storage.
  const [record, conversation] = await Promise.all([
    runtime.deliveries.getDelivery(message.notificationId, key),
    message.conversationId === undefined ? Promise.resolve(undefined) : runtime.conversations.get(message.conversationId),
  ]);
  if (record === undefined) return settled(missingRow(message, key, notes));
  if (record.status !== 'queued' && record.status !== 'sending') {
    // Sent (a redelivery after the sent write), cancelled by a DELETE, or already finished.
    return settled(completed([...notes, `delivery ${message.notificationId}/${key} is ${record.status}: nothing to send`]));
  }
  if (message.attempt < record.attempts) {
    // A newer attempt has started (this one was redelivered after its retry was already scheduled).
    return settled(completed([...notes, `attempt ${message.attempt} of ${message.notificationId}/${key} is superseded by attempt ${record.attempts}`]));
  }
  if (record.status === 'sending') {
    // `sending` is also what a copy put back for a tenant cool-down after claiming its slot left (copyPacing.ts).
    notes.push(`${message.notificationId}/${key} attempt ${message.attempt} found \`sending\` (interrupted, or put back for a tenant cool-down); sending again (Teams cannot be asked whether it arrived)`);
  }

  const ctx: AttemptContext = { message: early?.message ?? message, received, key, tenantId: record.tenantId, conversationId: message.conversationId, rememberOn: message.conversationId, notes, row: record };
  if (message.conversationId === undefined) {
    const chat = await chatToCreateFor(runtime, ctx, record);
    return chat.kind === 'settled' ? settled(chat.result) : { kind: 'send', ctx, target: chat.target };
  }
  ctx.tenantId = conversation?.tenantId ?? ctx.tenantId;
  const blocked = await blockedBeforeSend(runtime, ctx, conversation);
  if (blocked !== undefined || conversation === undefined) return settled(blocked ?? unreachable());
  const target = targetOf(conversation, message.serviceUrlOverride);
  let slot = early?.slot;
  if (slot === undefined) {
    const booked = await bookCopySlot(runtime, ctx, message.conversationId);
    if (booked.kind === 'deferred') return settled(booked.result);
    slot = booked.slot;
  }
  // `sending` is written before the wait, not between the slot and the post: a Table write's latency there
  // would shift the copy's arrival at Teams past its slot by a varying amount, and arrivals bunched that way
  // exceed the tenant's per-second limit although the slots kept it.
  if (!(await startSending(runtime, ctx))) {
    if (early === undefined) slot.release();
    return settled(completed([...notes, `${message.notificationId}/${key} changed state before sending`]));
  }
  const deferred = await waitForSlot(runtime, ctx, message.conversationId, slot);
  if (deferred !== undefined) return settled(deferred);
  return { kind: 'send', ctx, target };
}

/**
 * `sent` with Teams' activity id. The post is a fact by now, so a failing write must neither lose the id
 * nor lead to a second post: a few quick retries, then the ids go to the dead-letter queue (durable without
 * Table Storage) for the deadLetter function to record.
 */
async function recordSent(runtime: SenderRuntime, ctx: AttemptContext, activityId: string, createdConversationId: string | undefined): Promise<SendResult> {
  const sent = { activityId, attempt: ctx.message.attempt, ...(createdConversationId === undefined ? {} : { conversationId: createdConversationId }) };
  let lastError: Error | undefined;
  for (let round = 0; round <= sentWriteDelaysInMs.length; round++) {
    try {
      // The first round writes on the row `sending` left (no read); a retry reads afresh.
      const result = await runtime.deliveries.markSent(ctx.message.notificationId, ctx.key, sent, round === 0 ? ctx.row : undefined);
      if (result.outcome === 'notFound') ctx.notes.push(`${ctx.message.notificationId}/${ctx.key} was posted but its row is gone`);
      return { settlement: { kind: 'complete' }, outcome: attemptLine(ctx, 'sent', { activityId }), notes: ctx.notes };
    } catch (thrown) {
      lastError = ensureError(thrown);
      const delay = sentWriteDelaysInMs[round];
      if (delay !== undefined) await runtime.sleep(delay);
    }
  }
  const copy = createdConversationId === undefined ? { activityId } : { activityId, conversationId: createdConversationId };
  return deadLettered(
    sentNotRecordedReason,
    composeDescription(`posted as activity ${activityId}, but the sent status could not be written: ${lastError?.message ?? 'unknown error'}`, ...sentCopyNotes(copy), seenAtNote(runtime.now())),
    ctx.notes,
  );
}
