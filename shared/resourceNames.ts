/**
 * Names the code and the Bicep must agree on. test/unit/infra/ reads infra/ and fails when
 * these drift.
 */
export const queueNames = {
  /** One message per (notification, conversation, operation); sessions keyed by conversation id. */
  notifications: 'notifications',
} as const;

export const deadLetterQueuePath = `${queueNames.notifications}/$DeadLetterQueue`;

export const tableNames = {
  /** One entity per conversation reference, keyed by conversation id. */
  conversations: 'conversations',
  /** Secondary index rows: (tenant, user) / (tenant, team) / (tenant, scope) → conversation id. */
  conversationIndex: 'conversationIndex',
  /** One entity per accepted notification (request digest, counts, message). */
  notifications: 'notifications',
  /** One entity per (notification, conversation): status, attempts, Teams activity id, last error. */
  deliveries: 'deliveries',
  /** The reconciler's index: one row per notification with work in flight, keyed by the minute it last moved. */
  dueChecks: 'dueChecks',
  /** One row per tenant: the Teams send budget every instance leases a rate share of (delivery/rateSharePacer.ts). */
  tenantBudgets: 'tenantBudgets',
} as const;

/** App settings that name connections (Functions convention: bindings and SDK clients share one setting). */
export const connectionSettingNames = {
  tables: 'TablesConnection',
  serviceBus: 'ServiceBusConnection',
} as const;
