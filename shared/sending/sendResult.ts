import { gatewayReasons } from '../connector/teamsErrorCodes';
import { composeDescription } from '../delivery/failureDescription';
import { errorCodes, isGatewayError } from '../errors';
import { type DeliveryOutcomeLine } from './deliveryOutcomeLog';

/** How the send function settles one queue message. */
export type SettlementAction = { kind: 'complete' } | { kind: 'deadLetter'; reason: string; description: string };

export interface SendResult {
  settlement: SettlementAction;
  /** The one structured outcome line, when this message reached one (deliveryOutcomeLog.ts). */
  outcome?: DeliveryOutcomeLine;
  /** Plain notes for the log: why a message was completed without a request, deferrals, resends. */
  notes: string[];
}

export function completed(notes: string[]): SendResult {
  return { settlement: { kind: 'complete' }, notes };
}

export function deadLettered(reason: string, description: string, notes: string[]): SendResult {
  return { settlement: { kind: 'deadLetter', reason, description }, notes };
}

/**
 * A step run by a bound runner (a fan-out page, a status callback): completed with its notes, or dead-lettered
 * when the message is not one the step can run (BAD_REQUEST, the message's own fault). Anything else thrown is a
 * crash and goes on up, so Service Bus redelivers.
 */
export async function completedUnlessMalformed(step: () => Promise<string[]>): Promise<SendResult> {
  try {
    return completed(await step());
  } catch (thrown) {
    if (!isGatewayError(thrown, errorCodes.BadRequest)) throw thrown;
    return deadLettered(gatewayReasons.MalformedDeliveryMessage, composeDescription(thrown.message), []);
  }
}
