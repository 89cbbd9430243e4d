import { randomUUID } from 'node:crypto';

import { HttpRequest, InvocationContext } from '@azure/functions';
import { type ServiceBusReceivedMessage } from '@azure/service-bus';

import { InProcessServiceBus } from '../../../dev/inProcessServiceBus/inProcessServiceBus';
import { notificationByIdHandler, notificationsHandler, postNotificationHandler } from '../../../functions/notifications';
import { type ConversationScope } from '../../../shared/activity/conversationFacts';
import { type GatewayServices, getGatewayServices, provideFromHost, resetGatewayServices } from '../../../shared/gatewayServices';
import { runFanOutStep } from '../../../shared/notifications/intake/tenantFanOut';
import { type DeliveryMessage } from '../../../shared/queue/deliveryMessage';
import { type ServiceBusTriggerContext } from '../../../shared/queue/serviceBusTrigger';
import { queueNames } from '../../../shared/resourceNames';
import { type StoredConversation } from '../../../shared/store/conversationStore';
import { ManualQueueClock } from '../../unit/inProcessServiceBus/manualQueueClock';

/**
 * The notifications API as deployed, minus Azure: the real function handlers and composition root, Azurite
 * behind the real Table adapters, and the in-process Service Bus (manual clock) as the host-provided queue.
 * Tests isolate themselves by fresh tenant, team and notification ids in the shared Azurite tables.
 */
export const botAppId = '00000000-0000-4000-8000-0000000000b0';
export const serviceUrl = 'https://smba.trafficmanager.net/amer/';

export interface ApiResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** One queue message as a consumer saw it. */
export interface SeenMessage {
  body: DeliveryMessage;
  messageId: string;
  sessionId: string;
  enqueuedAt: Date;
  timeToLive: number | undefined;
}

const savedEnv = { ...process.env };

/** Gateway settings for the composition root (no Service Bus setting: the rig's queue is the host's). */
export function useGatewayEnvironment(): void {
  beforeAll(() => {
    Object.assign(process.env, {
      MicrosoftAppId: botAppId,
      MicrosoftAppType: 'MultiTenant',
      MicrosoftAppPassword: 'not-a-secret',
      TablesConnection: process.env.TEST_TABLES_CONNECTION,
      PublicBaseUrl: 'https://gateway.example.test',
    });
    delete process.env.ServiceBusConnection;
    delete process.env.ServiceBusConnection__fullyQualifiedNamespace;
  });
  beforeEach(() => {
    // The composition root logs its (redacted) configuration once per build.
    jest.spyOn(console, 'info').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => {
    process.env = { ...savedEnv };
    resetGatewayServices();
  });
}

/** A fresh rig per test (gateway environment included); the returned function is the current one. */
export function useNotificationRig(): () => NotificationRig {
  useGatewayEnvironment();
  let rig: NotificationRig | undefined;
  beforeEach(() => {
    rig = new NotificationRig();
  });
  afterEach(async () => rig?.close());
  return () => {
    if (rig === undefined) throw new Error('the rig exists only inside a test');
    return rig;
  };
}

export class NotificationRig {
  readonly clock = new ManualQueueClock(Date.parse('2026-03-01T10:00:00.000Z'));
  readonly bus = new InProcessServiceBus({ clock: this.clock });
  /** Every non-fanOut message the consumer has seen, in the order it saw them. */
  readonly seen: SeenMessage[] = [];
  readonly fanOutErrors: Error[] = [];
  private subscribed = false;

  constructor() {
    provideFromHost({ deliveryQueue: this.bus, now: () => new Date(this.clock.now()) });
  }

  now(): Date {
    return new Date(this.clock.now());
  }

  async services(): Promise<GatewayServices> {
    return getGatewayServices();
  }

  async post(body: unknown): Promise<ApiResponse> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return this.call(postNotificationHandler, 'POST', '/api/notifications', text);
  }

  /** `GET /api/notifications?…` through the route's own handler. */
  async list(query: Record<string, string> = {}): Promise<ApiResponse> {
    const search = new URLSearchParams(query).toString();
    return this.call(notificationsHandler, 'GET', `/api/notifications${search === '' ? '' : `?${search}`}`);
  }

  async get(id: string, query = ''): Promise<ApiResponse> {
    return this.call(notificationByIdHandler, 'GET', `/api/notifications/${encodeURIComponent(id)}${query}`, undefined, { id });
  }

  async patch(id: string, body: unknown): Promise<ApiResponse> {
    return this.call(notificationByIdHandler, 'PATCH', `/api/notifications/${encodeURIComponent(id)}`, typeof body === 'string' ? body : JSON.stringify(body), { id });
  }

  async delete(id: string): Promise<ApiResponse> {
    return this.call(notificationByIdHandler, 'DELETE', `/api/notifications/${encodeURIComponent(id)}`, undefined, { id });
  }

  /**
   * Starts a consumer that records every delivery message (and completes it) and runs every fanOut message
   * through runFanOutStep, the way the send function will; resolves when the queue is idle.
   */
  async drainQueue(): Promise<SeenMessage[]> {
    if (!this.subscribed) {
      this.subscribed = true;
      const services = await this.services();
      this.bus.subscribe(queueNames.notifications, async (context: ServiceBusTriggerContext) => {
        const messages = Array.isArray(context.messages) ? context.messages : [context.messages];
        for (const message of messages) {
          const body = message.body as DeliveryMessage;
          if (body.operation === 'fanOut') {
            try {
              await runFanOutStep(body, { notifications: services.notificationStore, audience: services.tenantAudience, queue: services.deliveryQueue, now: services.now });
            } catch (error) {
              this.fanOutErrors.push(error as Error);
              await context.actions.abandon(message);
              continue;
            }
          } else {
            this.seen.push(seenMessage(message));
          }
          await context.actions.complete(message);
        }
      });
    }
    await this.bus.waitForIdle();
    return this.seen;
  }

  async close(): Promise<void> {
    await this.bus.close();
  }

  private async call(handler: typeof postNotificationHandler, method: string, path: string, body?: string, params: Record<string, string> = {}): Promise<ApiResponse> {
    const request = new HttpRequest({
      method,
      url: `https://gateway.example.test${path}`,
      headers: { 'content-type': 'application/json' },
      params,
      ...(body === undefined ? {} : { body: { string: body } }),
    });
    const response = await handler(request, new InvocationContext({ logHandler: () => undefined }));
    return {
      status: response.status ?? 200,
      body: (response.jsonBody ?? {}) as Record<string, unknown>,
      headers: Object.fromEntries(Object.entries((response.headers ?? {}) as Record<string, string>)),
    };
  }
}

function seenMessage(message: ServiceBusReceivedMessage): SeenMessage {
  return {
    body: message.body as DeliveryMessage,
    messageId: String(message.messageId),
    sessionId: message.sessionId ?? '',
    enqueuedAt: message.enqueuedTimeUtc ?? new Date(0),
    timeToLive: message.timeToLive,
  };
}

export const newTenantId = (): string => randomUUID();
export const newUserId = (): string => randomUUID();
export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID()}`;

export interface SeedOptions {
  tenantId: string;
  scope: ConversationScope;
  conversationId?: string;
  userAadObjectId?: string;
  teamId?: string;
  at?: Date;
}

/** A conversation stored the way /api/messages stores one: through the real ConversationStore adapter. */
export async function seedConversation(services: GatewayServices, options: SeedOptions): Promise<StoredConversation> {
  const conversationId =
    options.conversationId ?? (options.scope === 'personal' ? `a:1${randomUUID()}` : options.scope === 'groupChat' ? `19:${randomUUID()}@thread.v2` : `19:${randomUUID()}@thread.tacv2`);
  const facts = {
    conversationId,
    tenantId: options.tenantId,
    scope: options.scope,
    isThread: false,
    ...(options.scope === 'personal' ? { userAadObjectId: options.userAadObjectId ?? randomUUID() } : {}),
    ...(options.scope === 'channel' ? { teamId: options.teamId ?? conversationId, teamsChannelId: conversationId } : {}),
  };
  const reference = {
    bot: { id: `28:${botAppId}`, name: 'Gateway' },
    conversation: { id: conversationId, conversationType: options.scope, tenantId: options.tenantId },
    channelId: 'msteams',
    serviceUrl,
    ...(facts.userAadObjectId === undefined ? {} : { user: { id: `29:${randomUUID()}`, aadObjectId: facts.userAadObjectId } }),
  };
  const at = options.at ?? new Date('2026-02-01T00:00:00.000Z');
  const { conversation } = await services.conversationStore.upsertFromActivity({
    reference,
    facts,
    eventAt: at,
    change: { status: 'active', reason: 'installationAdded', at },
  });
  return conversation;
}

/** Messages seen per session, in the order the consumer saw them. */
export function bySession(messages: readonly SeenMessage[]): Map<string, SeenMessage[]> {
  const sessions = new Map<string, SeenMessage[]>();
  for (const message of messages) sessions.set(message.sessionId, [...(sessions.get(message.sessionId) ?? []), message]);
  return sessions;
}
