import { type DeliveryOperation } from '../queue/deliveryMessage';

/**
 * The one structured line the gateway writes per delivery outcome, so Application Insights can chart and alert
 * on them (infra/modules/deliveriesWorkbook.json, alerts.bicep). `send` writes `sent`, `retrying`, `skipped` and
 * the update/delete results; `deadLetter` writes `failed` (one per dead-lettered message). A delivery therefore
 * has exactly one final line: `sent`, `skipped` or `failed`.
 */
export type DeliveryOutcome =
  /** The copy was posted (operation send). */
  | 'sent'
  /** The copy was changed or removed (operation update / delete). */
  | 'updated'
  | 'deleted'
  /** A retryable failure; a copy of the message is scheduled. Not final. */
  | 'retrying'
  /** Not sent for a reason known before sending (the conversation was removed); final. */
  | 'skipped'
  /** Dead-lettered and recorded by the deadLetter function; final. */
  | 'failed';

export interface DeliveryOutcomeLine {
  event: 'delivery';
  notificationId: string | undefined;
  conversationId: string | undefined;
  tenantId: string | undefined;
  operation: DeliveryOperation | undefined;
  outcome: DeliveryOutcome;
  /** HTTP status of the deciding Teams answer, when there was one. */
  status: number | undefined;
  /** Teams' error code or the gateway's / Service Bus's reason. */
  code: string | undefined;
  failureClass: string | undefined;
  attempt: number | undefined;
  /** Teams' activity id of the posted copy. */
  activityId?: string;
  /** Service Bus message id: finds the message in the dead-letter queue. */
  messageId?: string;
  /** For retrying: when the next attempt is due. */
  retryAt?: string;
  /** For skipped: why the conversation was removed. */
  removalReason?: string;
  /** For failed: this failure marked the conversation removed (class `gone`). */
  pruned?: boolean;
  /** Free text for people (never a token or secret). */
  detail?: string;
}

/** Where the line goes: the Functions InvocationContext's level methods (Application Insights traces). */
export interface DeliveryOutcomeLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

/** Failures at warning level so they stand out; everything else is information. */
export function logDeliveryOutcome(logger: DeliveryOutcomeLogger, line: DeliveryOutcomeLine): void {
  // One JSON text per line: the Node worker formats arguments into the trace message, so an object passed as
  // is would arrive in util.inspect form; JSON text stays machine-readable (KQL parse_json(message)).
  const text = JSON.stringify(line);
  if (line.outcome === 'failed' || line.outcome === 'retrying') logger.warn(text);
  else logger.info(text);
}
