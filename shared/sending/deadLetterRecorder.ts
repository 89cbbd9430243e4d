import { classifyDeadLetter, type DeadLetterClassification } from '../delivery/failureClassification';
import { type GatewayServices } from '../gatewayServices';
import { recordFanOutDeadLetter } from '../notifications/intake/tenantFanOut';
import { type DeliveryError, type DeliveryRecord, type DeliveryStatusStore, type FanOutProgressStore } from '../notifications/store/notificationStore';
import { deliveryKey, type DeliveryMessage, isCallbackOperation } from '../queue/deliveryMessage';
import { type ReceivedQueueMessage } from '../queue/messageSettlement';
import { parseDeliveryBody } from '../queue/serviceBusMessageShape';
import { type ConversationStore } from '../store/conversationStore';
import { seenAtIn, sentCopyIn, sentNotRecordedReason } from './deadLetterFacts';
import { type DeliveryOutcomeLine } from './deliveryOutcomeLog';
import { finishedCopyOperation } from './finishedCopyOperation';

/**
 * The deadLetter function's work for one message of `notifications/$DeadLetterQueue`: classify it (the
 * gateway's reasons, Teams' codes and Service Bus's own MaxDeliveryCountExceeded / TTLExpiredException), write
 * the delivery's final status, prune a conversation that is gone, and say what to log. Every message ends
 * completed: one that is not ours is logged with what is wrong with it. Throws only when storage fails, so
 * the host abandons and the message is recorded on a later delivery (the dead-letter queue never gives up).
 */
export interface DeadLetterRecorderDependencies {
  conversations: Pick<ConversationStore, 'get' | 'markRemoved'>;
  /** The delivery rows, and the fan-out progress rows a dead-lettered fanOut step ends. */
  deliveries: DeliveryStatusStore & FanOutProgressStore;
  now: () => Date;
}

export interface DeadLetterRecord {
  /** The one structured line (outcome `failed`, `skipped`, or `sent` for a SentNotRecorded message); absent when a newer state stands. */
  outcome?: DeliveryOutcomeLine;
  classification: DeadLetterClassification;
  /** Whether the conversation was marked removed by this message. */
  pruned: boolean;
  notes: string[];
}

export interface DeadLetterRecorder {
  record(received: ReceivedQueueMessage): Promise<DeadLetterRecord>;
}

/** Rounds of read → conditional prune when an unrelated write (not a status decision) slips in between. */
const maxPruneRounds = 3;

/** The recorder over the composition root's stores, as both Service Bus functions use it. */
export function deadLetterRecorderOf(services: Pick<GatewayServices, 'conversationStore' | 'notificationStore' | 'now'>): DeadLetterRecorder {
  return createDeadLetterRecorder({ conversations: services.conversationStore, deliveries: services.notificationStore, now: services.now });
}

export function createDeadLetterRecorder(deps: DeadLetterRecorderDependencies): DeadLetterRecorder {
  const { conversations, deliveries } = deps;

  async function record(received: ReceivedQueueMessage): Promise<DeadLetterRecord> {
    const reason = received.deadLetterReason;
    const description = received.deadLetterErrorDescription;
    const classification = classifyDeadLetter({ deadLetterReason: reason, deadLetterErrorDescription: description });
    const parsed = parseDeliveryBody(received);
    if (!parsed.ok) {
      const problem = [parsed.error.message, ...parsed.error.details.map((d) => `${d.path === '' ? '(body)' : d.path}: ${d.message}`)].join('; ');
      return {
        outcome: line(received, undefined, classification, 'failed', {
          notificationId: textProperty(received, 'notificationId'),
          conversationId: textProperty(received, 'conversationId'),
          detail: `not a delivery message (${problem}); ${description ?? ''}`.trim(),
        }),
        classification,
        pruned: false,
        notes: [],
      };
    }
    const message = parsed.delivery;
    if (reason === sentNotRecordedReason && message.operation === 'send') {
      const copy = sentCopyIn(description);
      if (copy !== undefined) return recordLateSent(received, message, copy, classification);
    }
    const error: DeliveryError = { code: classification.code, message: description?.trim() || classification.code };
    if (classification.httpStatus !== undefined) error.status = classification.httpStatus;
    if (message.operation === 'fanOut') {
      // No delivery row exists for a step: the chain's progress row records where and why it ended.
      const step = message.fanOut;
      const ended = step !== undefined && (await recordFanOutDeadLetter(message.notificationId, step, error, deliveries, deps.now()));
      const where = `fan-out ${message.notificationId} target ${step?.targetIndex ?? '?'}`;
      return {
        outcome: line(received, message, classification, 'failed', { tenantId: step?.tenantId, detail: `fan-out step ${step?.page ?? '?'} failed: ${description ?? ''}` }),
        classification,
        pruned: false,
        notes: [ended ? `${where} recorded failed at page ${step?.page ?? '?'}` : `${where} had ended or moved past this page; left as it stands`],
      };
    }

    if (isCallbackOperation(message.operation)) {
      // No delivery is touched: the callback event keeps its recorded attempts (a later check re-raises it).
      return { classification, pruned: false, notes: [`${message.operation} message of ${message.notificationId} dead-lettered (${reason ?? 'no reason'}); its callback event stays as recorded`] };
    }

    const key = deliveryKey(message);
    const notes: string[] = [];
    let delivery: DeliveryRecord | undefined;
    let stands = false;
    if (message.operation === 'send') {
      const result = await deliveries.markFinished(message.notificationId, key, { status: classification.finalStatus, error, failureClass: classification.failureClass });
      if (result.outcome === 'notFound') notes.push(`no delivery row ${message.notificationId}/${key}`);
      else delivery = result.delivery;
      // A sent, cancelled or already finished delivery keeps its state: the send function recorded this
      // failure before dead-lettering, or the message was a stale copy.
      stands = result.outcome === 'unchanged';
    } else {
      const recorded = await deliveries.getDelivery(message.notificationId, key);
      const finished = recorded === undefined ? undefined : finishedCopyOperation(recorded, message);
      if (finished !== undefined) {
        delivery = recorded;
        stands = true;
      } else {
        const status = classification.finalStatus === 'skipped' ? 'skipped' : 'failed';
        const result = await deliveries.recordCopyOperation(message.notificationId, key, { operation: message.operation, revision: message.revision, status, error });
        if (result.outcome === 'notFound') notes.push(`no delivery row ${message.notificationId}/${key}`);
        else delivery = result.delivery;
      }
    }

    const conversationId = message.conversationId ?? delivery?.conversationId;
    let pruned = false;
    let tenantId = delivery?.tenantId ?? message.createFor?.tenantId;
    if (classification.prune && conversationId !== undefined) {
      const at = seenAtIn(description) ?? received.enqueuedTimeUtc ?? deps.now();
      const prune = await pruneConversation(conversationId, classification.code, at);
      pruned = prune.pruned;
      tenantId ??= prune.tenantId;
      notes.push(prune.note);
    }
    if (stands) {
      const state = message.operation === 'send' ? delivery?.status : `${message.operation} ${message.revision} ${delivery?.lastOperation?.status ?? 'final'}`;
      notes.push(`${message.notificationId}/${key} is ${state ?? 'final'} already; ${reason ?? 'the dead-letter'} of attempt ${message.attempt} changes nothing`);
      return { classification, pruned, notes };
    }
    const outcome = message.operation === 'send' && classification.finalStatus === 'skipped' ? 'skipped' : 'failed';
    return {
      outcome: line(received, message, classification, outcome, { conversationId, tenantId, pruned, detail: description ?? undefined }),
      classification,
      pruned,
      notes,
    };
  }

  /** The send posted the copy but could not write `sent`: record it now, with the ids it handed over. */
  async function recordLateSent(
    received: ReceivedQueueMessage,
    message: DeliveryMessage,
    copy: { activityId: string; conversationId?: string },
    classification: DeadLetterClassification,
  ): Promise<DeadLetterRecord> {
    const key = deliveryKey(message);
    const result = await deliveries.markSent(message.notificationId, key, { ...copy, attempt: message.attempt });
    const tenantId = result.outcome === 'notFound' ? message.createFor?.tenantId : result.delivery.tenantId;
    return {
      outcome: {
        ...line(received, message, classification, 'sent', { conversationId: copy.conversationId ?? message.conversationId, tenantId }),
        status: undefined,
        code: undefined,
        failureClass: undefined,
        activityId: copy.activityId,
      },
      classification,
      pruned: false,
      notes: result.outcome === 'notFound' ? [`${message.notificationId}/${key} was posted but its row is gone`] : [`${message.notificationId}/${key} recorded sent after a failed status write`],
    };
  }

  /**
   * Marks the conversation removed, ordered by when the send saw the failure: a re-install stamped later
   * wins (conversationTransitions.ts), and the write is conditional on the ETag just read, so nothing that
   * happened in between is overwritten. A concurrent write that was not a newer decision is re-read and
   * the prune tried again.
   */
  async function pruneConversation(conversationId: string, reason: string, at: Date): Promise<{ pruned: boolean; tenantId?: string; note: string }> {
    for (let round = 1; round <= maxPruneRounds; round++) {
      const conversation = await conversations.get(conversationId);
      if (conversation === undefined) return { pruned: false, note: `conversation ${conversationId} is not stored; nothing to prune` };
      const tenantId = conversation.tenantId;
      if (conversation.status === 'removed') return { pruned: false, tenantId, note: `conversation ${conversationId} was already removed (${conversation.removedReason ?? 'unknown'})` };
      if (Date.parse(conversation.statusChangedAt) > at.getTime()) {
        return { pruned: false, tenantId, note: `conversation ${conversationId} became active at ${conversation.statusChangedAt}, after the failure at ${at.toISOString()}: kept` };
      }
      const result = await conversations.markRemoved(conversationId, reason, at, { ifMatch: conversation.etag });
      if (result.outcome === 'applied') return { pruned: true, tenantId, note: `conversation ${conversationId} marked removed (${reason})` };
      if (result.outcome === 'notFound') return { pruned: false, tenantId, note: `conversation ${conversationId} is not stored; nothing to prune` };
    }
    return { pruned: false, note: `conversation ${conversationId} kept changing; not pruned after ${maxPruneRounds} rounds` };
  }

  return { record };
}

function line(
  received: ReceivedQueueMessage,
  message: DeliveryMessage | undefined,
  classification: DeadLetterClassification,
  outcome: DeliveryOutcomeLine['outcome'],
  extra: { notificationId?: string; conversationId?: string; tenantId?: string; pruned?: boolean; detail?: string },
): DeliveryOutcomeLine {
  const result: DeliveryOutcomeLine = {
    event: 'delivery',
    notificationId: message?.notificationId ?? extra.notificationId,
    conversationId: extra.conversationId ?? message?.conversationId ?? (message === undefined ? undefined : deliveryKey(message)),
    tenantId: extra.tenantId,
    operation: message?.operation,
    outcome,
    status: classification.httpStatus,
    code: classification.code,
    failureClass: classification.failureClass,
    attempt: message?.attempt,
    messageId: received.messageId,
  };
  if (extra.pruned === true) result.pruned = true;
  if (extra.detail !== undefined && extra.detail !== '') result.detail = extra.detail;
  return result;
}

function textProperty(received: ReceivedQueueMessage, name: string): string | undefined {
  const value = received.applicationProperties[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
