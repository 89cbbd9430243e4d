import { composeDescription } from '../delivery/failureDescription';
import { checkBeforeSend } from '../delivery/preSendCheck';
import { type DeliveryError } from '../notifications/notificationStore';
import { type StoredConversation } from '../store/conversationStore';
import { type AttemptContext,attemptLine } from './copyAttempt';
import { seenAtNote } from './deadLetterFacts';
import { type SenderRuntime } from './senderDependencies';
import { deadLettered, type SendResult } from './sendResult';

/** Removed or unknown conversation → skipped; expired → dead-letter Expired; undefined → go ahead. */
export async function blockedBeforeSend(runtime: SenderRuntime, ctx: AttemptContext, conversation: StoredConversation | undefined): Promise<SendResult | undefined> {
  const now = runtime.now();
  const verdict = checkBeforeSend(ctx.message, conversation, now);
  if (verdict.kind === 'send') return undefined;
  if (verdict.kind === 'deadLetter') return deadLettered(verdict.reason, composeDescription(verdict.description, seenAtNote(now)), ctx.notes);
  const error: DeliveryError = { code: verdict.reason, message: verdict.description };
  if (ctx.message.operation === 'send') {
    await runtime.deliveries.markFinished(ctx.message.notificationId, ctx.key, { status: 'skipped', error, failureClass: 'gone' });
  } else {
    await runtime.deliveries.recordCopyOperation(ctx.message.notificationId, ctx.key, { operation: ctx.message.operation, revision: ctx.message.revision, status: 'skipped', error });
  }
  return {
    settlement: { kind: 'complete' },
    outcome: attemptLine(ctx, 'skipped', { code: verdict.reason, failureClass: 'gone', removalReason: verdict.removalReason, detail: verdict.description }),
    notes: ctx.notes,
  };
}
