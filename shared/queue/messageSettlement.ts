/**
 * What a Service Bus-triggered handler receives and can do with it, whichever host runs it. The Functions
 * SDK binding (`sdkBinding: true`) and the local host's in-process queue both hand over a
 * `ServiceBusMessageContext`-shaped trigger; serviceBusTrigger.ts turns it into these.
 */
export interface ReceivedQueueMessage {
  body: unknown;
  messageId: string;
  sessionId?: string;
  deliveryCount: number;
  enqueuedTimeUtc?: Date;
  applicationProperties: Readonly<Record<string, unknown>>;
  /** Set on messages read from the dead-letter queue. */
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
}

export interface MessageSettlement {
  complete(): Promise<void>;
  /** Gives the message back for Service Bus redelivery (crash-like paths only; retries are rescheduled copies). */
  abandon(): Promise<void>;
  deadLetter(reason: string, description: string): Promise<void>;
}
