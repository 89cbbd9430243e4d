import {
  type BotConnectorClient,
  type ConnectorCallOptions,
  type ConnectorConversationTarget,
  type PersonalConversationRequest,
} from '../../../shared/connector/botConnectorClient';
import { type ConnectorAttempt, type ConnectorOutcome } from '../../../shared/connector/connectorOutcome';
import { SendPacer } from '../../../shared/delivery/sendPacer';
import * as transitions from '../../../shared/notifications/store/deliveryTransitions';
import {
  type DeliveryRecord,
  type DeliveryStatusStore,
  type DeliveryTransition,
  type DeliveryTransitionResult,
  type FanOutProgress,
  type FanOutProgressStore,
} from '../../../shared/notifications/store/notificationStore';
import { deliveryKey, type DeliveryMessage, type OutboundActivity } from '../../../shared/queue/deliveryMessage';
import { type DeliveryQueue, type QueuedDelivery } from '../../../shared/queue/deliveryQueue';
import { type ReceivedQueueMessage } from '../../../shared/queue/messageSettlement';
import { createDeadLetterRecorder } from '../../../shared/sending/deadLetterRecorder';
import { summaryOf } from '../../../shared/store/conversationIndexRows';
import { type ConversationSummary, type ListByTenantOptions, type StatusChangeResult } from '../../../shared/store/conversationStore';
import { recordAfterStatusChange, recordWithServiceUrlOverride } from '../../../shared/store/conversationTransitions';
import { type StoredConversation } from '../../../shared/store/storedConversation';

/**
 * Fakes at the I/O boundary of the send path only (stores, queue, Connector); every decision in between is
 * the real code, and the fake stores apply the real pure transitions (deliveryTransitions.ts,
 * conversationTransitions.ts) so state changes follow the same rules as the Table adapters.
 */

export const appId = '0f6d1c2e-7b1a-4c2e-9a55-3d1b6a7e0b07';
export const botAccount = { id: `28:${appId}`, name: 'Gateway bot' };
export const tenantId = 'tenant-1';
export const serviceUrl = 'https://smba.trafficmanager.net/amer/';
export const gccServiceUrl = 'https://smba.infra.gcc.teams.microsoft.com/';

export class Clock {
  constructor(private time = Date.parse('2026-03-01T08:00:00.000Z')) {}
  now = (): Date => new Date(this.time);
  advance(ms: number): void {
    this.time += ms;
  }
}

export function conversation(id: string, overrides: Partial<StoredConversation> = {}): StoredConversation {
  return {
    conversationId: id,
    tenantId,
    scope: 'personal',
    isThread: false,
    userAadObjectId: `aad-${id}`,
    reference: {
      bot: { ...botAccount },
      user: { id: `29:user-${id}`, aadObjectId: `aad-${id}`, name: 'A User' },
      conversation: { id, tenantId, conversationType: 'personal' },
      channelId: 'msteams',
      serviceUrl,
    },
    referenceAt: '2026-02-01T00:00:00.000Z',
    status: 'active',
    statusChangedAt: '2026-02-01T00:00:00.000Z',
    createdAt: '2026-02-01T00:00:00.000Z',
    updatedAt: '2026-02-01T00:00:00.000Z',
    revision: 1,
    etag: 'W/"1"',
    ...overrides,
  };
}

export class FakeConversations {
  readonly byId = new Map<string, StoredConversation>();
  readonly markRemovedCalls: { conversationId: string; reason: string; at: Date; ifMatch?: string }[] = [];
  /** Runs before a markRemoved call is applied (a concurrent writer sneaking in). */
  beforeMarkRemoved: ((conversationId: string) => void) | undefined;
  private etags = 1;

  constructor(private readonly now: () => Date) {}

  put(stored: StoredConversation): StoredConversation {
    this.byId.set(stored.conversationId, stored);
    return stored;
  }

  /** Any write bumps the ETag, as Table Storage does. */
  touch(conversationId: string, change: Partial<StoredConversation> = {}): void {
    const current = this.byId.get(conversationId);
    if (current !== undefined) this.byId.set(conversationId, { ...current, ...change, etag: `W/"${++this.etags + 100}"` });
  }

  get = async (conversationId: string): Promise<StoredConversation | undefined> => Promise.resolve(this.byId.get(conversationId));

  findPersonal = async (tenant: string, userAadObjectId: string): Promise<StoredConversation | undefined> =>
    Promise.resolve([...this.byId.values()].find((c) => c.tenantId === tenant && c.scope === 'personal' && c.userAadObjectId === userAadObjectId));

  findTeamChannel = async (teamId: string, channelId?: string, options: { tenantId?: string } = {}): Promise<StoredConversation | undefined> =>
    Promise.resolve(
      [...this.byId.values()].find(
        (c) => !c.isThread && c.teamId === teamId && c.teamsChannelId === (channelId ?? teamId) && (options.tenantId === undefined || c.tenantId === options.tenantId),
      ),
    );

  listByTenant = (tenant: string, options: ListByTenantOptions = {}): AsyncIterable<ConversationSummary[]> =>
    onePage([...this.byId.values()].filter((c) => c.tenantId === tenant && (options.status === undefined || c.status === options.status)));

  listByTeam = (teamId: string): AsyncIterable<ConversationSummary[]> => onePage([...this.byId.values()].filter((c) => c.teamId === teamId));

  setServiceUrlOverride = async (conversationId: string, url: string | undefined): Promise<StoredConversation | undefined> => {
    const current = this.byId.get(conversationId);
    if (current === undefined) return undefined;
    const next = { ...recordWithServiceUrlOverride(current, url, this.now()), etag: `W/"${++this.etags + 100}"` };
    this.byId.set(conversationId, next);
    return Promise.resolve(next);
  };

  markRemoved = async (conversationId: string, reason: string, at: Date, options: { ifMatch?: string } = {}): Promise<StatusChangeResult> => {
    this.markRemovedCalls.push({ conversationId, reason, at, ...(options.ifMatch === undefined ? {} : { ifMatch: options.ifMatch }) });
    this.beforeMarkRemoved?.(conversationId);
    const current = this.byId.get(conversationId);
    if (current === undefined) return { outcome: 'notFound' };
    if (options.ifMatch !== undefined && options.ifMatch !== current.etag) return { outcome: 'superseded', conversation: current };
    const { record, verdict } = recordAfterStatusChange(current, { status: 'removed', reason, at }, this.now());
    if (verdict !== 'applied') return { outcome: 'superseded', conversation: current };
    const next = { ...record, etag: `W/"${++this.etags + 100}"` };
    this.byId.set(conversationId, next);
    return Promise.resolve({ outcome: 'applied', conversation: next });
  };
}

function onePage(conversations: readonly StoredConversation[]): AsyncIterable<ConversationSummary[]> {
  const page = conversations.map((c) => summaryOf(c));
  return (async function* () {
    await Promise.resolve();
    yield page;
  })();
}

type StoreMethod = 'getDelivery' | 'markSending' | 'markSent' | 'recordInstalling' | 'recordRetry' | 'markFinished' | 'recordCopyOperation' | 'getFanOutProgress' | 'saveFanOutProgress';

/** DeliveryStatusStore in memory with the real transitions; `failNext` makes a method throw like storage would. */
export class FakeDeliveries implements DeliveryStatusStore, FanOutProgressStore {
  readonly rows = new Map<string, DeliveryRecord>();
  private readonly fanOuts = new Map<string, FanOutProgress>();
  readonly calls: { method: StoreMethod; key: string; args: unknown }[] = [];
  private readonly failures = new Map<StoreMethod, number>();

  constructor(private readonly now: () => Date) {}

  add(message: Pick<DeliveryMessage, 'notificationId' | 'conversationId' | 'createFor'>, overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
    const key = deliveryKey(message);
    const record: DeliveryRecord = {
      notificationId: message.notificationId,
      key,
      origin: 'direct',
      status: 'queued',
      attempts: 0,
      tenantId,
      createdAt: '2026-03-01T07:00:00.000Z',
      updatedAt: '2026-03-01T07:00:00.000Z',
      ...(message.conversationId === undefined ? {} : { conversationId: message.conversationId }),
      ...(message.createFor === undefined ? {} : { createFor: message.createFor }),
      ...overrides,
    };
    this.rows.set(this.id(message.notificationId, key), record);
    return record;
  }

  row(message: Pick<DeliveryMessage, 'notificationId' | 'conversationId' | 'createFor'>): DeliveryRecord | undefined {
    return this.rows.get(this.id(message.notificationId, deliveryKey(message)));
  }

  failNext(method: StoreMethod, times = 1): void {
    this.failures.set(method, times);
  }

  async getDelivery(notificationId: string, key: string): Promise<DeliveryRecord | undefined> {
    this.enter('getDelivery', key, undefined);
    return Promise.resolve(this.rows.get(this.id(notificationId, key)));
  }

  async markSending(notificationId: string, key: string, attempt: number): Promise<DeliveryTransitionResult> {
    this.enter('markSending', key, attempt);
    return this.apply(notificationId, key, transitions.markSending(attempt, this.now()));
  }

  async markSent(notificationId: string, key: string, sent: { activityId: string; conversationId?: string; attempt?: number }): Promise<DeliveryTransitionResult> {
    this.enter('markSent', key, sent);
    return this.apply(notificationId, key, transitions.markSent(sent, this.now()));
  }

  async recordInstalling(notificationId: string, key: string): Promise<DeliveryTransitionResult> {
    this.enter('recordInstalling', key, {});
    return this.apply(notificationId, key, transitions.recordInstalling(this.now()));
  }

  async recordRetry(notificationId: string, key: string, attempt: number, error: { status?: number; code: string; message: string }): Promise<DeliveryTransitionResult> {
    this.enter('recordRetry', key, { attempt, error });
    return this.apply(notificationId, key, transitions.recordRetry(attempt, error, this.now()));
  }

  async markFinished(notificationId: string, key: string, outcome: Parameters<DeliveryStatusStore['markFinished']>[2]): Promise<DeliveryTransitionResult> {
    this.enter('markFinished', key, outcome);
    return this.apply(notificationId, key, transitions.markFinished(outcome, this.now()));
  }

  async recordCopyOperation(notificationId: string, key: string, result: Parameters<DeliveryStatusStore['recordCopyOperation']>[2]): Promise<DeliveryTransitionResult> {
    this.enter('recordCopyOperation', key, result);
    return this.apply(notificationId, key, transitions.recordCopyOperation(result, this.now()));
  }

  async markCancelled(notificationId: string, key: string): Promise<DeliveryTransitionResult> {
    return this.apply(notificationId, key, transitions.markCancelled(this.now()));
  }

  /** Seeds a fan-out progress row without recording a call. */
  putFanOut(progress: FanOutProgress): void {
    this.fanOuts.set(this.id(progress.notificationId, String(progress.targetIndex)), progress);
  }

  async getFanOutProgress(notificationId: string, targetIndex: number): Promise<FanOutProgress | undefined> {
    this.enter('getFanOutProgress', String(targetIndex), undefined);
    return Promise.resolve(this.fanOuts.get(this.id(notificationId, String(targetIndex))));
  }

  async saveFanOutProgress(progress: FanOutProgress): Promise<void> {
    this.enter('saveFanOutProgress', String(progress.targetIndex), progress);
    this.putFanOut(progress);
    return Promise.resolve();
  }

  methods(): StoreMethod[] {
    return this.calls.map((c) => c.method);
  }

  private enter(method: StoreMethod, key: string, args: unknown): void {
    this.calls.push({ method, key, args });
    const left = this.failures.get(method) ?? 0;
    if (left > 0) {
      this.failures.set(method, left - 1);
      throw Object.assign(new Error(`storage unavailable (${method})`), { code: 'STORAGE_UNAVAILABLE' });
    }
  }

  private async apply(notificationId: string, key: string, transition: DeliveryTransition): Promise<DeliveryTransitionResult> {
    const current = this.rows.get(this.id(notificationId, key));
    if (current === undefined) return Promise.resolve({ outcome: 'notFound' });
    const verdict = transition(current);
    if (verdict.verdict === 'unchanged') return { outcome: 'unchanged', delivery: current };
    this.rows.set(this.id(notificationId, key), verdict.record);
    return Promise.resolve({ outcome: 'applied', delivery: verdict.record });
  }

  private id(notificationId: string, key: string): string {
    return `${notificationId}\u0000${key}`;
  }
}

export class FakeQueue implements DeliveryQueue {
  readonly enqueued: QueuedDelivery[] = [];
  failNext = 0;

  async enqueue(deliveries: readonly QueuedDelivery[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('queue unavailable'), { code: 'QUEUE_UNAVAILABLE' });
    }
    this.enqueued.push(...deliveries);
    return Promise.resolve();
  }
}

export type ConnectorCall =
  | { kind: 'send'; target: ConnectorConversationTarget; activity: OutboundActivity }
  | { kind: 'update'; target: ConnectorConversationTarget; activityId: string; activity: OutboundActivity }
  | { kind: 'delete'; target: Pick<ConnectorConversationTarget, 'serviceUrl' | 'conversation'>; activityId: string }
  | { kind: 'create'; request: PersonalConversationRequest };

/** Answers each call with the next scripted outcome (default: success with a new id) and records it. */
export class FakeConnector implements BotConnectorClient {
  readonly calls: ConnectorCall[] = [];
  /** Runs at call time (e.g. to see which status was written before the request). */
  onCall: ((call: ConnectorCall) => void) | undefined;
  private readonly script: ConnectorOutcome[] = [];
  private ids = 0;

  answer(...outcomes: ConnectorOutcome[]): this {
    this.script.push(...outcomes);
    return this;
  }

  async sendToConversation(target: ConnectorConversationTarget, activity: OutboundActivity, _options?: ConnectorCallOptions): Promise<ConnectorAttempt> {
    return this.next({ kind: 'send', target, activity });
  }

  async updateActivity(target: ConnectorConversationTarget, activityId: string, activity: OutboundActivity): Promise<ConnectorAttempt> {
    return this.next({ kind: 'update', target, activityId, activity });
  }

  async deleteActivity(target: Pick<ConnectorConversationTarget, 'serviceUrl' | 'conversation'>, activityId: string): Promise<ConnectorAttempt> {
    return this.next({ kind: 'delete', target, activityId });
  }

  async createPersonalConversation(request: PersonalConversationRequest): Promise<ConnectorAttempt> {
    return this.next({ kind: 'create', request });
  }

  private async next(call: ConnectorCall): Promise<ConnectorAttempt> {
    this.calls.push(call);
    this.onCall?.(call);
    const outcome = this.script.shift() ?? { kind: 'success', status: call.kind === 'create' ? 201 : 200, id: call.kind === 'create' ? `a:created-${++this.ids}` : `act-${++this.ids}` };
    return Promise.resolve({ outcome, freshTokenRetried: false });
  }
}

export function httpError(status: number, code?: string, retryAfterInMs?: number): ConnectorOutcome {
  const outcome: ConnectorOutcome & { kind: 'httpError' } = { kind: 'httpError', status, message: `Teams says ${code ?? status}` };
  if (code !== undefined) outcome.code = code;
  if (retryAfterInMs !== undefined) outcome.retryAfterInMs = retryAfterInMs;
  return outcome;
}

export function sendMessage(overrides: Partial<DeliveryMessage> = {}): DeliveryMessage {
  return {
    version: 1,
    notificationId: 'n-1',
    operation: 'send',
    conversationId: 'a:conv-1',
    attempt: 1,
    revision: 0,
    activity: { type: 'message', text: 'Deploy finished' },
    ...overrides,
  };
}

export function received(body: unknown, overrides: Partial<ReceivedQueueMessage> = {}): ReceivedQueueMessage {
  return { body, messageId: 'msg-1', deliveryCount: 0, applicationProperties: {}, ...overrides };
}

export function pacer(perTenantRequestsPerSecond = 40): SendPacer {
  return new SendPacer({ perTenantRequestsPerSecond });
}

/** The deadLetter recorder over the fakes: conversation a:conv-1 stored, the send of sendMessage() in flight. */
export function deadLetterSetUp() {
  const clock = new Clock();
  const conversations = new FakeConversations(clock.now);
  const deliveries = new FakeDeliveries(clock.now);
  const recorder = createDeadLetterRecorder({ conversations, deliveries, now: clock.now });
  conversations.put(conversation('a:conv-1'));
  deliveries.add(sendMessage(), { status: 'sending', attempts: 1 });
  return { clock, conversations, deliveries, recorder };
}
