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
