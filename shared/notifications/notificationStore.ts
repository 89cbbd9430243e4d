import { type DeliveryOperation } from '../queue/deliveryMessage';

/**
 * Status records of notifications and their deliveries (Table Storage: tables `notifications` and
 * `deliveries`, both partitioned by notification id so one notification's rows are one partition).
 */
export type NotificationState = 'accepting' | 'accepted';

export interface NotificationRecord {
  id: string;
  createdAt: string;
  state: NotificationState;
  /** requestDigest of the body: same id + same digest = same 202; different digest = 409. */
  digest: string;
  /** The validated request as JSON (targets, message, times), kept for PATCH/DELETE and the console. */
  requestJson: string;
  /** The 202 body once accepted, replayed for an idempotent repeat. */
  responseJson?: string;
  /** Number of PATCHes applied; an update message carries the revision it was made for. */
  revision: number;
  deleted: boolean;
  /** Tenant fan-outs still paging through conversations. */
  pendingFanOuts: number;
  etag?: string;
}

export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'skipped' | 'cancelled';

export interface DeliveryError {
  status?: number;
  code: string;
  message: string;
}

export interface DeliveryRecord {
  notificationId: string;
  /** deliveryKey(): the conversation id, or `user:<tenant>:<aadObjectId>` until the chat is created. */
  key: string;
  conversationId?: string;
  tenantId?: string;
  status: DeliveryStatus;
  /** Teams' id of the posted activity; what update and delete address. */
  activityId?: string;
  attempts: number;
  lastError?: DeliveryError;
  /** Failure class from the dead-letter classification (gone, rejected, misconfigured, exhausted, expired). */
  failureClass?: string;
  /** State of the latest update/delete of the sent copy. */
  lastOperation?: { operation: Exclude<DeliveryOperation, 'send'>; revision: number; status: DeliveryStatus; error?: DeliveryError };
  updatedAt: string;
  etag?: string;
}

export interface DeliveryCounts {
  queued: number;
  sent: number;
  failed: number;
  skipped: number;
}

export interface DeliveryPage {
  deliveries: DeliveryRecord[];
  continuationToken?: string;
}
