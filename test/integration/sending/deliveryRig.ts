/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies from the emulator and the API, read field by field in tests. */
import { randomUUID } from 'node:crypto';

import { HttpRequest, InvocationContext } from '@azure/functions';

import { InProcessServiceBus } from '../../../dev/inProcessServiceBus/inProcessServiceBus';
import { type RecordedMention } from '../../../dev/teamsEmulator/recordedMentions';
import { startTeamsEmulator, type TeamsEmulator } from '../../../dev/teamsEmulator/teamsEmulator';
import { deadLetterFunction } from '../../../functions/deadLetter';
import { gatewayFunctions } from '../../../functions/gatewayFunctions';
import { messagesHandler } from '../../../functions/messages';
import { notificationByIdHandler, postNotificationHandler } from '../../../functions/notifications';
import { sendFunction } from '../../../functions/send';
import { type GatewayServices, getGatewayServices, provideFromHost, resetGatewayServices } from '../../../shared/gatewayServices';
import { type DeliveryRecord } from '../../../shared/notifications/store/notificationStore';
import { notificationsQueueSettings } from '../../../shared/queue/notificationsQueueSettings';
import { type ServiceBusTriggerContext } from '../../../shared/queue/serviceBusTrigger';
import { type DeliveryOutcomeLine } from '../../../shared/sending/deliveryOutcomeLog';
import { type FunctionHttpServer, serveHandler } from '../messages/functionHttpServer';

/**
 * The delivery path as deployed, minus Azure: the real `messages`, `notifications`, `send` and `deadLetter`
 * handlers from the one function list, the composition root, Azurite behind the real Table adapters, the
 * in-process Service Bus (real clock, the deployed queue settings) as the host's queue, and the Teams emulator
 * answering the unmodified token provider and Connector client. Tests isolate themselves by fresh tenants.
 */
export interface DeliveryRigOptions {
  /** Backoff base and cap of the delivery policy (the deployed 1 s / 5 min would make tests wait). */
  backoffBaseInMs?: number;
  backoffMaxInMs?: number;
  maxAttempts?: number;
  requestTimeoutInMs?: number;
  /** host.json maxConcurrentSessions is 256; the rig's default keeps a 2-core machine responsive (and frees a slot at once). */
  maxConcurrentSessions?: number;
  /** Takes the send queue's messages instead of the registered send handler (e.g. to play two instances). */
  sendHandler?: (trigger: unknown, context: InvocationContext) => Promise<void>;
}

export interface InstalledConversation {
  conversationId: string;
  tenantId: string;
  serviceUrl: string;
  user: { id: string; aadObjectId: string };
  teamId?: string;
}

export interface PostedCopy {
  id: string;
  text?: string;
  receivedCount: number;
  updateCount: number;
  deleted: boolean;
  activity: Record<string, any>;
  /** The mention entities as the emulator recorded them, with whether Teams would render each. */
  mentions: RecordedMention[];
}

const savedEnv = { ...process.env };

type SettlementMethod = 'complete' | 'deadletter';

export class DeliveryRig {
  /** Every structured delivery line the send and deadLetter handlers logged. */
  readonly outcomes: DeliveryOutcomeLine[] = [];
  /** Plain log lines (notes, errors), for failure messages. */
  readonly logs: string[] = [];
  readonly handlerErrors: Error[] = [];
  /** Settlement calls of the send function the host refuses next, by method: how many more times. */
  private readonly refusedSettlements = new Map<SettlementMethod, number>();

  private constructor(
    readonly emulator: TeamsEmulator,
    readonly gateway: FunctionHttpServer,
    readonly bus: InProcessServiceBus,
    readonly services: GatewayServices,
  ) {}

  static async start(options: DeliveryRigOptions = {}): Promise<DeliveryRig> {
    // The composition root logs its (redacted) configuration once; not useful in test output.
    const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
    try {
      return await DeliveryRig.build(options);
    } finally {
      info.mockRestore();
    }
  }

  private static async build(options: DeliveryRigOptions): Promise<DeliveryRig> {
    const emulator = await startTeamsEmulator({ port: 0, gatewayUrl: 'http://127.0.0.1:9' });
    const gateway = await serveHandler('/api/messages', messagesHandler);
    emulator.setGatewayUrl(gateway.url);
    // GCC is another host in Teams; the emulator serves it under /gcc/ on its one port, so the gateway is told
    // to reach it by name (localhost) rather than by address: a different host, the same server.
    const emulatorHost = new URL(emulator.url).host;
    const gccServiceUrl = emulator.gccServiceUrl.replace('//127.0.0.1:', '//localhost:');
    Object.assign(process.env, emulator.gatewaySettings(), {
      GccServiceUrl: gccServiceUrl,
      TrustedServiceUrlHosts: `${emulatorHost},${new URL(gccServiceUrl).host}`,
      TablesConnection: process.env.TEST_TABLES_CONNECTION,
      DeliveryMaxAttempts: String(options.maxAttempts ?? 8),
      DeliveryRequestTimeoutMs: String(options.requestTimeoutInMs ?? 5_000),
    });
    delete process.env.ServiceBusConnection;
    delete process.env.ServiceBusConnection__fullyQualifiedNamespace;
    const bus = new InProcessServiceBus({ ...notificationsQueueSettings });
    resetGatewayServices();
    provideFromHost({ deliveryQueue: bus });
    const services = await getGatewayServices();
    // Test tuning of the two settings config does not read from the environment.
    services.config.delivery.backoffBaseInMs = options.backoffBaseInMs ?? 50;
    services.config.delivery.backoffMaxInMs = options.backoffMaxInMs ?? 1_000;
    const rig = new DeliveryRig(emulator, gateway, bus, services);
    rig.subscribe(options.maxConcurrentSessions ?? 16, options.sendHandler);
    return rig;
  }

  async close(): Promise<void> {
    await this.bus.close();
    await Promise.all([this.emulator.close(), this.gateway.close()]);
    process.env = { ...savedEnv };
    resetGatewayServices();
  }

  /**
   * A clean slate between tests: the emulator's state (and the gateway it posts to), the lines and errors the
   * handlers logged, and settlements still set to be refused.
   */
  async reset(): Promise<void> {
    await this.control('POST', '/reset');
    this.emulator.setGatewayUrl(this.gateway.url);
    this.outcomes.length = 0;
    this.logs.length = 0;
    this.handlerErrors.length = 0;
    this.refusedSettlements.clear();
  }

  /** The send and deadLetter handlers exactly as registered, fed by the in-process queue like the SDK binding. */
  private subscribe(maxConcurrentSessions: number, sendHandler?: (trigger: unknown, context: InvocationContext) => Promise<void>): void {
    const definition = (name: string) => {
      const found = gatewayFunctions.find((f) => f.name === name);
      if (found?.kind !== 'serviceBusQueue') throw new Error(`no Service Bus function ${name}`);
      return found.options;
    };
    const send = definition(sendFunction.name);
    const deadLetter = definition(deadLetterFunction.name);
    const invoke = (handler: (trigger: unknown, context: InvocationContext) => unknown) => async (trigger: ServiceBusTriggerContext) => {
      await handler(handler === send.handler ? this.withRefusals(trigger) : trigger, this.context());
    };
    const onHandlerError = (error: Error): void => {
      this.handlerErrors.push(error);
    };
    this.bus.subscribe(send.queueName, invoke(sendHandler ?? send.handler), { maxConcurrentSessions, onHandlerError });
    this.bus.subscribe(deadLetter.queueName, invoke(deadLetter.handler), { maxConcurrentCalls: 4, onHandlerError });
  }

  /**
   * The host refuses the send function's next `times` calls of a settlement method, as a broken gRPC channel
   * or a lost lock would: the call throws and the message stays unsettled, so it is abandoned and redelivered.
   */
  refuseSendSettlement(method: SettlementMethod, times = Number.POSITIVE_INFINITY): void {
    this.refusedSettlements.set(method, times);
  }

  private withRefusals(trigger: ServiceBusTriggerContext): ServiceBusTriggerContext {
    const refused = (method: SettlementMethod): boolean => {
      const left = this.refusedSettlements.get(method) ?? 0;
      if (left > 0) this.refusedSettlements.set(method, left - 1);
      return left > 0;
    };
    const refusal = (method: SettlementMethod) => new Error(`13 INTERNAL: the test host refuses ${method}`);
    const { actions } = trigger;
    return {
      messages: trigger.messages,
      actions: {
        complete: async (message) => (refused('complete') ? Promise.reject(refusal('complete')) : actions.complete(message)),
        abandon: async (message, properties) => actions.abandon(message, properties),
        deadletter: async (message, properties, reason, description) =>
          refused('deadletter') ? Promise.reject(refusal('deadletter')) : actions.deadletter(message, properties, reason, description),
      },
    };
  }

  /** Connector posts (sends) the emulator answered, whatever the answer. */
  async postCount(): Promise<number> {
    const { requests } = await this.stats();
    return Object.entries(requests)
      .filter(([route]) => route.startsWith('POST ') && route.endsWith('/activities'))
      .reduce((sum, [, byOutcome]) => sum + Object.values(byOutcome).reduce((a, b) => a + b, 0), 0);
  }

  context(): InvocationContext {
    return new InvocationContext({
      logHandler: (_level, ...args) => {
        const text = args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
        if (text.startsWith('{"event":"delivery"')) this.outcomes.push(JSON.parse(text) as DeliveryOutcomeLine);
        else this.logs.push(text);
      },
    });
  }

  // ---- the Teams side -----------------------------------------------------------------------------------

  async control(method: string, path: string, body?: unknown): Promise<any> {
    const response = await fetch(`${this.emulator.url}/_control${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator ${method} ${path}: ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }

  /** A user installs the bot in personal scope (or a team); the gateway stores what Teams sends it. */
  async install(request: { type?: 'personal' | 'channel' | 'groupChat'; tenantId: string; aadObjectId?: string; conversationId?: string }): Promise<InstalledConversation> {
    const body: Record<string, unknown> = { type: request.type ?? 'personal', tenantId: request.tenantId };
    if (request.aadObjectId !== undefined) body.user = { aadObjectId: request.aadObjectId };
    if (request.conversationId !== undefined) body.conversationId = request.conversationId;
    const installed = await this.control('POST', '/conversations', body);
    const statuses = (installed.gateway as { status: number }[]).map((g) => g.status);
    if (statuses.some((s) => s !== 200)) throw new Error(`the gateway answered ${statuses.join(', ')} to the install`);
    return installed as InstalledConversation;
  }

  /**
   * For volume: the emulator creates personal chats (Teams' side) while the gateway is unreachable, and each
   * is stored through the real store as /api/messages stores an install (the reference copied from what
   * Teams sent). One store write per chat instead of two signed activities through messages.
   */
  async installQuietly(tenantIds: readonly string[], parallel = 8): Promise<InstalledConversation[]> {
    await this.control('PUT', '/gateway', { url: 'http://127.0.0.1:9' });
    try {
      const installed: InstalledConversation[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < tenantIds.length) {
            const index = next++;
            installed[index] = await this.storeInstall(tenantIds[index]!);
          }
        }),
      );
      return installed;
    } finally {
      await this.control('PUT', '/gateway', { url: this.gateway.url });
    }
  }

  private async storeInstall(tenantId: string): Promise<InstalledConversation> {
    const installed = (await this.control('POST', '/conversations', { type: 'personal', tenantId })) as InstalledConversation & {
      bot: { id: string; name: string };
      user: { id: string; aadObjectId: string; name?: string };
    };
    const at = new Date();
    await this.services.conversationStore.upsertFromActivity({
      reference: {
        bot: installed.bot,
        user: installed.user,
        conversation: { id: installed.conversationId, tenantId, conversationType: 'personal' },
        channelId: 'msteams',
        serviceUrl: installed.serviceUrl,
      },
      facts: { conversationId: installed.conversationId, tenantId, scope: 'personal', isThread: false, userAadObjectId: installed.user.aadObjectId },
      eventAt: at,
      change: { status: 'active', reason: 'installationAdded', at },
    });
    return installed;
  }

  async copies(conversationId: string): Promise<PostedCopy[]> {
    const reply = await this.control('GET', `/conversations/${encodeURIComponent(conversationId)}/activities`);
    return reply.activities as PostedCopy[];
  }

  async stats(): Promise<{ duplicates: number; throttled: number; tokensIssued: number; faults: Record<string, number>; requests: Record<string, Record<string, number>> }> {
    return this.control('GET', '/stats');
  }

  // ---- the API side ---------------------------------------------------------------------------------------

  async notify(body: Record<string, unknown>): Promise<{ status: number; body: any }> {
    return this.call(postNotificationHandler, 'POST', '/api/notifications', JSON.stringify(body));
  }

  async patch(id: string, body: Record<string, unknown>): Promise<{ status: number; body: any }> {
    return this.call(notificationByIdHandler, 'PATCH', `/api/notifications/${id}`, JSON.stringify(body), { id });
  }

  async remove(id: string): Promise<{ status: number; body: any }> {
    return this.call(notificationByIdHandler, 'DELETE', `/api/notifications/${id}`, undefined, { id });
  }

  async status(id: string): Promise<{ status: number; body: any }> {
    return this.call(notificationByIdHandler, 'GET', `/api/notifications/${id}?pageSize=1000`, undefined, { id });
  }

  /** Every delivery row of a notification, as stored. */
  async deliveries(notificationId: string): Promise<DeliveryRecord[]> {
    const rows: DeliveryRecord[] = [];
    for await (const page of this.services.notificationStore.allDeliveries(notificationId)) rows.push(...page);
    return rows;
  }

  /** Until nothing is queued, scheduled, in flight or dead-lettered and unprocessed (retries included). */
  async settle(): Promise<void> {
    await this.bus.drain();
  }

  private async call(
    handler: typeof postNotificationHandler,
    method: string,
    path: string,
    body?: string,
    params: Record<string, string> = {},
  ): Promise<{ status: number; body: any }> {
    const request = new HttpRequest({
      method,
      url: `https://gateway.example.test${path}`,
      headers: { 'content-type': 'application/json' },
      params,
      ...(body === undefined ? {} : { body: { string: body } }),
    });
    const response = await handler(request, this.context());
    return { status: response.status ?? 200, body: response.jsonBody };
  }
}

export const newTenantId = (): string => randomUUID();
export const uniqueText = (prefix: string): string => `${prefix} ${randomUUID()}`;

/**
 * One rig for a test file: started before its tests (`started` receives it), closed after them, reset before
 * each, with the console kept quiet.
 */
export function useDeliveryRig(options: DeliveryRigOptions, started: (rig: DeliveryRig) => void): void {
  let rig: DeliveryRig | undefined;
  beforeAll(async () => {
    rig = await DeliveryRig.start(options);
    started(rig);
  });
  afterAll(async () => rig?.close());
  beforeEach(async () => rig?.reset());
  quietConsole();
}

/** Console noise the tested code writes on purpose (redacted configuration; refused tokens in the SDK). */
export function quietConsole(): void {
  beforeEach(() => {
    jest.spyOn(console, 'info').mockImplementation(() => undefined);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());
}
