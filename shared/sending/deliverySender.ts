import { gatewayReasons } from '../connector/teamsErrorCodes';
import { composeDescription } from '../delivery/failureDescription';
import { type ReceivedQueueMessage } from '../queue/messageSettlement';
import { parseDeliveryBody } from '../queue/serviceBusMessageShape';
import { callbackStep } from './callbackStep';
import { changeSentCopy } from './changeSentCopy';
import { fanOutStep } from './fanOutStep';
import { sendCopy } from './sendCopy';
import { type DeliverySenderDependencies, senderRuntime } from './senderDependencies';
import { deadLettered, type SendResult } from './sendResult';

export { deliveryNotFoundReason } from './copyAttempt';
export type { DeliverySenderDependencies } from './senderDependencies';
export type { SendResult, SettlementAction } from './sendResult';

/**
 * The send function's work for one queue message: send, update or delete one conversation's copy (creating
 * the personal chat first for a `createFor` delivery), or run one fan-out step. Reads fresh state, asks the
 * pure policy (preSendCheck, SendPacer, decideDelivery) and carries out its answer; returns how to settle the
 * message. Throws only for crashes (storage or queue unavailable): the host then abandons the message and
 * Service Bus redelivers it, which every step here tolerates.
 *
 * Status flow of a send: queued → `sending` (written BEFORE the Teams call) → sent | queued (retry) | failed
 * or skipped (written before the message is dead-lettered: recordBeforeDeadLettering.ts). The remaining window: a process crash after Teams' 2xx and before the
 * `sent` write leaves `sending`, and the redelivered message posts again. Teams offers no way to ask whether
 * a post arrived (no idempotency key, no read of a conversation's messages), and the gateway's promise is "it
 * arrived, or you can see why not": a rare duplicate beats a silently lost alert. A storage failure (not a
 * crash) in that spot is covered: the message is dead-lettered as SentNotRecorded with the activity id and
 * the deadLetter function records `sent` once storage answers again, with no second post.
 *
 * The steps live one concern per file: sendCopy.ts (with chatToCreateStep.ts), changeSentCopy.ts,
 * fanOutStep.ts, callbackStep.ts, copyPacing.ts, preSendGate.ts and attemptOutcome.ts (retry or dead-letter after a call).
 */
export interface DeliverySender {
  process(received: ReceivedQueueMessage): Promise<SendResult>;
}

export function createDeliverySender(deps: DeliverySenderDependencies): DeliverySender {
  const runtime = senderRuntime(deps);

  async function process(received: ReceivedQueueMessage): Promise<SendResult> {
    const parsed = parseDeliveryBody(received);
    if (!parsed.ok) {
      const where = parsed.error.details.map((d) => `${d.path === '' ? '(body)' : d.path}: ${d.message}`).join(', ');
      return deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription(parsed.error.message, where), []);
    }
    const message = parsed.delivery;
    switch (message.operation) {
      case 'fanOut':
        return fanOutStep(runtime, message);
      case 'callbackCheck':
      case 'callback':
        return callbackStep(runtime, message);
      case 'send':
        return sendCopy(runtime, { ...message, operation: 'send' }, received);
      case 'update':
      case 'delete':
        return changeSentCopy(runtime, { ...message, operation: message.operation }, received);
    }
  }

  return { process };
}
