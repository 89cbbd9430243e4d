import { type CallbackRequest } from '../../callbacks/callbackRequest';
import { type CopyOperation } from '../../queue/deliveryMessage';
import { type ConversationType, type NotificationMessage } from '../request/notificationMessage';
import { type NotificationTargetAsGiven, type TenantTargetScope } from '../request/notificationTarget';
import { type NotificationListEntry } from '../status/notificationListIndex';
import { type DeliveryTally } from '../status/notificationProgress';

/**
 * Status records of notifications and their deliveries (Table Storage: tables `notifications` and
 * `deliveries`, both partitioned by notification id so one notification's rows are one partition).
 * Adapter: tableNotificationStore.ts. Pure state changes of a delivery: deliveryTransitions.ts.
 */
export type NotificationState = 'accepting' | 'accepted';

export interface NotificationRecord {
  id: string;
  createdAt: string;
  /** `accepting` until the 202 is stored; a retry with the same id finishes an intake that crashed. */
  state: NotificationState;
  /** requestDigest of the body: same id + same digest = same 202; different digest = 409. */
  digest: string;
  /** The current message: the request's, replaced by each PATCH (later fan-out pages send this one). */
  message: NotificationMessage;
  sendAt?: string;
  expiresAt?: string;
  /** The producer's label (request `tag`); the notification is listed under it too. */
  tag?: string;
  /** The request's status callback: where its final state (and failed deliveries if asked) is POSTed. */
  callback?: CallbackRequest;
  /** Number of PATCHes applied; an update message carries the revision it was made for. */
  revision: number;
  deleted: boolean;
  deletedAt?: string;
  updatedAt: string;
  etag?: string;
}

export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'skipped' | 'cancelled';

/** Why a target is reported instead of queued. */
export const unresolvedReasons = { ConversationNotFound: 'ConversationNotFound', ConversationRemoved: 'ConversationRemoved' } as const;
export type UnresolvedReason = (typeof unresolvedReasons)[keyof typeof unresolvedReasons];

export interface DeliveryError {
  status?: number;
  code: string;
  message: string;
}

/**
 * A conversation the gateway has no reference of, reached with the reference of another stored conversation:
 * a personal chat created at send time (POST /v3/conversations), or a channel of a team whose other channel
 * is stored (Teams: a channel's conversation id is its channel id, General's is the team id, and a bot
 * installed in a team may post to any of its channels).
 */
export type ChatToCreate = PersonalChatToCreate | ChannelToReach;

export interface PersonalChatToCreate {
  tenantId: string;
  userAadObjectId: string;
  referenceConversationId?: string;
}

export interface ChannelToReach {
  tenantId: string;
  teamId: string;
  channelId: string;
  /** A stored channel conversation of the same team: its serviceUrl, bot account and channelId are used. */
  referenceConversationId?: string;
}

export function isChannelToReach(createFor: ChatToCreate): createFor is ChannelToReach {
  return 'channelId' in createFor;
}

/** Which part of the request made a delivery: a direct target, or the fan-out of tenant target #i. */
export type DeliveryOrigin = 'direct' | `fanOut:${number}`;

export interface DeliveryRecord {
  notificationId: string;
  /** deliveryKey(): the conversation id, or `user:<tenant>:<aadObjectId>` until the chat is created; `target:<i>` when unresolved. */
  key: string;
  origin: DeliveryOrigin;
  conversationId?: string;
  /** What the copy was built for (suggested actions only in personal chats); updates are built the same way. */
  conversationType?: ConversationType;
  createFor?: ChatToCreate;
  tenantId?: string;
  /** The request's target that named this delivery (direct targets only; fan-out rows would repeat the tenant target). */
  target?: NotificationTargetAsGiven;
  /** Set on the row of a target that resolved to nothing or to a removed conversation (status `skipped`). */
  unresolved?: { targetIndex: number; reason: UnresolvedReason; removalReason?: string };
  status: DeliveryStatus;
  /** Teams' id of the posted activity; what update and delete address. */
  activityId?: string;
  attempts: number;
  lastError?: DeliveryError;
  /** Failure class from the dead-letter classification (gone, rejected, misconfigured, exhausted, expired). */
  failureClass?: string;
  /** State of the latest update/delete of the sent copy. */
  lastOperation?: CopyOperationState;
  /** When the reconciler last re-queued or finalized it because its queue message was lost. */
  reconciledAt?: string;
  /** The app was installed for the user through Microsoft Graph for this copy (proactive installation). */
  installation?: DeliveryInstallation;
  /** Re-queues by the reconciler so far. */
  reconciliations?: number;
  createdAt: string;
  updatedAt: string;
  etag?: string;
}

/** `installing` until the copy is sent in the chat the install opened, then `installed`. */
export interface DeliveryInstallation {
  status: 'installing' | 'installed';
  requestedAt: string;
}

export interface CopyOperationState {
  operation: Exclude<CopyOperation, 'send'>;
  revision: number;
  status: 'queued' | 'sent' | 'failed' | 'skipped';
  error?: DeliveryError;
  updatedAt: string;
}

export interface DeliveryCounts {
  /** Queued and in flight (sending). */
  queued: number;
  sent: number;
  failed: number;
  /** Not sent for a reason known up front: unresolved targets, removed conversations. */
  skipped: number;
  /** Not sent because the notification was deleted first. */
  cancelled: number;
  /** Posted, then deleted by a DELETE of the notification (no longer counted as sent). */
  deleted: number;
}

export interface DeliveryPage {
  deliveries: DeliveryRecord[];
  continuationToken?: string;
}

export interface DeliveryPageOptions {
  /** 1–1000; default 100. */
  pageSize?: number;
  /** From the previous page of the same notification. */
  continuationToken?: string;
}

export interface NotificationListIndexQuery {
  tag?: string;
  /** Exclusive bounds, ISO times. */
  createdAfter?: string;
  createdBefore?: string;
  /** The `next` of the previous page. */
  after?: string;
  pageSize: number;
}

export interface NotificationListIndexPage {
  entries: NotificationListEntry[];
  next?: string;
}

/** Progress of one tenant target's fan-out, one row per chain (written only by its own serial steps). */
export interface FanOutProgress {
  notificationId: string;
  targetIndex: number;
  tenantId: string;
  scope: TenantTargetScope;
  /** Pages completed (the next step's `page` when not done). */
  pagesDone: number;
  /** Deliveries this chain added (conversations already reached by another target are not counted). */
  deliveries: number;
  /** `stopped`: the notification was deleted; `failed`: a step was dead-lettered and the chain ended there. */
  state: FanOutState;
  /** Why a `failed` chain ended (the dead-letter's classified code and description). */
  error?: DeliveryError;
  /** Where the next page starts in the tenant's conversation index, so a chain whose step was lost can resume. */
  nextContinuationToken?: string;
  updatedAt: string;
}

export const fanOutStates = ['expanding', 'done', 'stopped', 'failed'] as const;
export type FanOutState = (typeof fanOutStates)[number];

/** The fan-out progress rows (part of NotificationStore); what the deadLetter function needs of them. */
export interface FanOutProgressStore {
  getFanOutProgress(notificationId: string, targetIndex: number): Promise<FanOutProgress | undefined>;
  saveFanOutProgress(progress: FanOutProgress): Promise<void>;
}

/** A state change of one delivery as a pure function of the current record (deliveryTransitions.ts). */
export type DeliveryTransition = (current: DeliveryRecord) => DeliveryTransitionVerdict;
export type DeliveryTransitionVerdict = { verdict: 'applied'; record: DeliveryRecord } | { verdict: 'unchanged' };

export type DeliveryTransitionResult =
  /** Written; `delivery` is the new state. */
  | { outcome: 'applied'; delivery: DeliveryRecord }
  /** The transition did not apply to the state that stands (e.g. markSending on a cancelled delivery). */
  | { outcome: 'unchanged'; delivery: DeliveryRecord }
  | { outcome: 'notFound' };

/**
 * What the send and deadLetter functions need of the delivery records. Every change is read → pure
 * transition → write with the read ETag, repeated on a conflict, so a send racing a DELETE or the deadLetter
 * function ends in one consistent state. `key` is deliveryKey(message).
 */
export interface DeliveryStatusStore {
  getDelivery(notificationId: string, key: string): Promise<DeliveryRecord | undefined>;
  /**
   * Before the Teams call. `unchanged` means do not send: the delivery is sent, failed, skipped or cancelled.
   * `known` (here and in markSent): the row as the caller last read or wrote it, with its ETag; the write is
   * tried on it without a read first (a stale one costs a 412 and a fresh read).
   */
  markSending(notificationId: string, key: string, attempt: number, known?: DeliveryRecord): Promise<DeliveryTransitionResult>;
  /** The copy was posted; `conversationId` is the chat created for a `createFor` delivery. */
  markSent(notificationId: string, key: string, sent: { activityId: string; conversationId?: string; attempt?: number }, known?: DeliveryRecord): Promise<DeliveryTransitionResult>;
  /** The app was installed for the user (Graph) before this copy: shown as `installation` until sent. */
  recordInstalling(notificationId: string, key: string): Promise<DeliveryTransitionResult>;
  /** A retryable failure of `attempt`; the rescheduled copy is attempt + 1. */
  recordRetry(notificationId: string, key: string, attempt: number, error: DeliveryError): Promise<DeliveryTransitionResult>;
  /** Final: not sent, with the Teams (or gateway) error and the dead-letter failure class. */
  markFinished(notificationId: string, key: string, outcome: { status: 'failed' | 'skipped'; error: DeliveryError; failureClass?: string }): Promise<DeliveryTransitionResult>;
  /** Result of an update or delete of the sent copy; an older revision never overwrites a newer one, and a delete outranks updates. */
  recordCopyOperation(
    notificationId: string,
    key: string,
    result: { operation: 'update' | 'delete'; revision: number; status: CopyOperationState['status']; error?: DeliveryError },
  ): Promise<DeliveryTransitionResult>;
  /** A not-yet-sent delivery of a deleted notification; a send in flight (`sending`) is left to its delete message. */
  markCancelled(notificationId: string, key: string): Promise<DeliveryTransitionResult>;
}

export interface SavedIntakeResponse {
  responseJson: string;
  /** The record turned `accepted` with the response (same transaction). */
  accepted: boolean;
}

/** The notification store as the API and the fan-out see it (port). */
export interface NotificationStore extends DeliveryStatusStore, FanOutProgressStore {
  getNotification(id: string): Promise<NotificationRecord | undefined>;
  /** Creates the record unless one exists; then returns that one (the caller replays, finishes or refuses). */
  createNotification(record: NotificationRecord): Promise<{ created: boolean; record: NotificationRecord }>;
  /** Replaces the record if it still has `record.etag`; undefined when it changed meanwhile (re-read and decide again). */
  replaceNotification(record: NotificationRecord): Promise<NotificationRecord | undefined>;
  /** The stored 202 body (JSON text) of an accepted notification. */
  getIntakeResponse(id: string): Promise<string | undefined>;
  /**
   * Stores the 202 body unless one is stored, and marks the record `accepted` if it still has `record.etag`,
   * in one round trip when both apply. Returns the body that stands (a concurrent finisher's may win) and
   * whether the record was marked here (if not, the caller marks it on a fresh read).
   */
  saveIntakeResponse(record: NotificationRecord, responseJson: string): Promise<SavedIntakeResponse>;

  /** Lists the notification (newest first, and under its tag) unless it is listed already. */
  addToList(entry: NotificationListEntry): Promise<void>;
  /** One page of the list, newest first; `next` (where the following page starts) when more may follow. */
  listNotificationEntries(query: NotificationListIndexQuery): Promise<NotificationListIndexPage>;

  /** Starts a fan-out's progress row unless it exists (a repeated intake must not reset a running chain). */
  startFanOut(progress: FanOutProgress): Promise<void>;
  listFanOutProgress(notificationId: string): Promise<FanOutProgress[]>;

  /**
   * Adds each delivery unless a row with its key exists (another target reached the conversation first, or
   * an earlier attempt wrote it). Returns every row as it stands, in input order. Batches of ≤ 100.
   */
  addDeliveries(records: readonly DeliveryRecord[]): Promise<DeliveryRecord[]>;
  listDeliveries(notificationId: string, options?: DeliveryPageOptions): Promise<DeliveryPage>;
  /** Every delivery of a notification, page by page (PATCH and DELETE walk them all). */
  allDeliveries(notificationId: string): AsyncIterable<DeliveryRecord[]>;
  /** From a projection of the partition (status and latest operation only). */
  countDeliveries(notificationId: string): Promise<DeliveryTally>;
  /**
   * The deliveries still `queued` or `sending` (filtered by the service: the reconciler's read), page by page,
   * so a broadcast of any size is never held in memory whole and a reader may stop early.
   */
  pendingDeliveries(notificationId: string): AsyncIterable<DeliveryRecord[]>;
  /** Whether any delivery is still queued or sending: stops at the first one, where a count reads every row. */
  anyPendingDelivery(notificationId: string): Promise<boolean>;
  /** Any pure transition, with the ETag loop. */
  transitionDelivery(notificationId: string, key: string, transition: DeliveryTransition): Promise<DeliveryTransitionResult>;
  /**
   * One transition over many rows of one notification as they were read (with their ETags): written in
   * conditional batches of 100; a batch that meets a change since the read is redone row by row on fresh reads.
   * Results in input order.
   */
  transitionDeliveries(rows: readonly DeliveryRecord[], transition: DeliveryTransition): Promise<DeliveryTransitionResult[]>;
}
