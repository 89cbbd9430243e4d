import { type InboundAuthenticator } from './auth/inboundAuthenticator';
import { type OutboundTokenProvider } from './auth/outboundTokenProvider';
import { type CallbackEventStore } from './callbacks/callbackEventStore';
import { type CallbackPoster, createCallbackPoster } from './callbacks/callbackPoster';
import { TableCallbackEventStore } from './callbacks/tableCallbackEventStore';
import { describeConfig, type GatewayConfig, loadConfig } from './config';
import { type BotConnectorClient } from './connector/botConnectorClient';
import { type DeliveryPacer } from './delivery/deliveryPacer';
import { createDeliveryPacer } from './delivery/deliveryPacerFactory';
import { errorCodes, GatewayError } from './errors';
import { createGraphInstallClient, type GraphInstallClient } from './graph/graphInstallClient';
import { GraphInstallPacer } from './graph/graphInstallPacer';
import { lazyBotConnectorClient, lazyGraphTokens, lazyInboundAuthenticator, lazyOutboundTokenProvider } from './lazyConnectorStack';
import { createTenantAudience, type TenantAudience } from './notifications/intake/tenantAudience';
import { type NotificationStore } from './notifications/store/notificationStore';
import { createTableNotificationStore } from './notifications/store/tableNotificationStore';
import { type DeliveryQueue } from './queue/deliveryQueue';
import { lazyServiceBusDeliveryQueue } from './queue/lazyServiceBusDeliveryQueue';
import { type DueCheckIndex } from './reconciliation/dueCheckIndex';
import { TableDueChecks } from './reconciliation/tableDueChecks';
import { connectionSettingNames, tableNames } from './resourceNames';
import { type ConversationStore } from './store/conversationStore';
import { createTableClient } from './store/tableClientFactory';
import { createTableConversationStore } from './store/tableConversationStore';
import { tenantBudgetTableName } from './store/tableTenantBudgetStore';

/**
 * The composition root: every function handler gets its adapters from here, built once per process from
 * the validated configuration. A host that supplies its own parts (the local host's in-process queue)
 * calls provideFromHost before serving; Azure never does, and then the Service Bus adapter is used.
 */
export interface HostProvidedParts {
  deliveryQueue?: DeliveryQueue;
  /**
   * The host's queue holds nothing sent before this moment (the local host's in-process queue starts empty):
   * the reconciler treats work older than it as lost at once instead of after its deadline.
   */
  queueEmptySince?: Date;
  /** The clock of every decision; tests and the local host may pin it. */
  now?: () => Date;
}

export interface GatewayServices {
  config: GatewayConfig;
  now: () => Date;
  /** Conversation references and their lifecycle (Table Storage). */
  conversationStore: ConversationStore;
  /** Bot Framework channel JWT validation for /api/messages. */
  inboundAuthenticator: InboundAuthenticator;
  /** Notification and delivery status records (Table Storage). */
  notificationStore: NotificationStore;
  /** The `notifications` queue: Service Bus when configured, else the host's (local in-process queue). */
  deliveryQueue: DeliveryQueue;
  /** See HostProvidedParts.queueEmptySince; absent with Service Bus. */
  queueEmptySince?: Date;
  /** The reconciler's index of notifications with work in flight (Table Storage). */
  dueChecks: DueCheckIndex;
  /** A tenant's active conversations page by page, for tenant broadcasts (fan-out steps). */
  tenantAudience: TenantAudience;
  /** Bot tokens for the Bot Connector: one cache per process, refreshed ahead of expiry. */
  tokens: OutboundTokenProvider;
  /** The Bot Connector REST calls (one request per attempt; the delivery policy owns retries). */
  connector: BotConnectorClient;
  /**
   * Send pacing: per conversation in this process, per tenant through the budget every instance shares in
   * Table Storage (or per process with PerTenantBudget=process); one per process so every send shares it.
   */
  deliveryPacer: DeliveryPacer;
  /** Microsoft Graph app installation for users, paced per process; only when proactive installation is on. */
  graphInstaller?: { client: GraphInstallClient; pacer: GraphInstallPacer };
  /** Status callback events and their attempts (rows beside each notification). */
  callbackEvents: CallbackEventStore;
  /** The signed, SSRF-guarded POST of a callback; only when status callbacks are on. */
  callbackPoster?: CallbackPoster;
}

let hostParts: HostProvidedParts = {};
let services: Promise<GatewayServices> | undefined;

export function provideFromHost(parts: HostProvidedParts): void {
  hostParts = parts;
  services = undefined;
}

export async function getGatewayServices(): Promise<GatewayServices> {
  services ??= buildServices().catch((error: unknown) => {
    // A failed build (bad config, storage down) is retried on the next call instead of being cached.
    services = undefined;
    throw error;
  });
  return services;
}

async function buildServices(): Promise<GatewayServices> {
  const config = loadConfig(process.env);
  // Once per process, redacted: no secret or connection string reaches the log.
  console.info(`Gateway configuration: ${JSON.stringify(describeConfig(config))}`);
  const now = hostParts.now ?? ((): Date => new Date());
  // Tables are created on first use, so building never waits for (or fails on) storage.
  const conversationStore = createTableConversationStore({
    conversations: createTableClient(config.tables, tableNames.conversations),
    index: createTableClient(config.tables, tableNames.conversationIndex),
    now,
  });
  // The Bot Framework stack and the Service Bus SDK load on their first call (lazyConnectorStack.ts).
  const inboundAuthenticator = lazyInboundAuthenticator(config);
  const dueChecks = new TableDueChecks(createTableClient(config.tables, tableNames.dueChecks));
  const notificationStore = createTableNotificationStore({
    notifications: createTableClient(config.tables, tableNames.notifications),
    deliveries: createTableClient(config.tables, tableNames.deliveries),
    dueChecks,
    now,
  });
  const deliveryQueue =
    config.serviceBus !== undefined ? lazyServiceBusDeliveryQueue(config.serviceBus, { now }) : (hostParts.deliveryQueue ?? unconfiguredDeliveryQueue());
  const tenantAudience = createTenantAudience(conversationStore);
  const tokens = lazyOutboundTokenProvider(config, now);
  const connector = lazyBotConnectorClient(config, tokens, now);
  const deliveryPacer = createDeliveryPacer({
    settings: config.delivery,
    budgetTable: () => createTableClient(config.tables, tenantBudgetTableName),
    now,
    // Straight to stdout (the host keeps worker output as logs; the bench reads it): the budget's totals come
    // from a timer a second after the last lease, which may fire after a test file ended and its console closed.
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const queueEmptySince = config.serviceBus === undefined ? hostParts.queueEmptySince : undefined;
  const callbackEvents = new TableCallbackEventStore(createTableClient(config.tables, tableNames.notifications));
  const callbackPoster =
    config.callbacks === undefined ? undefined : createCallbackPoster({ secret: config.callbacks.signingSecret, allowPrivateNetwork: config.callbacks.allowPrivateNetwork });
  const graphInstaller =
    config.proactiveInstall === undefined
      ? undefined
      : {
          client: createGraphInstallClient(config.proactiveInstall, lazyGraphTokens(config, config.proactiveInstall, now), { timeoutInMs: config.delivery.requestTimeoutInMs, now }),
          pacer: new GraphInstallPacer(),
        };
  return Promise.resolve({
    config,
    now,
    conversationStore,
    inboundAuthenticator,
    notificationStore,
    deliveryQueue,
    ...(queueEmptySince === undefined ? {} : { queueEmptySince }),
    dueChecks,
    tenantAudience,
    tokens,
    connector,
    deliveryPacer,
    ...(graphInstaller === undefined ? {} : { graphInstaller }),
    callbackEvents,
    ...(callbackPoster === undefined ? {} : { callbackPoster }),
  });
}

/**
 * No Service Bus setting and no host queue: the functions that never enqueue (messages, health, conversations)
 * still serve; enqueuing fails with the setting to add, which the API answers as a configuration error.
 */
function unconfiguredDeliveryQueue(): DeliveryQueue {
  return {
    enqueue: async () =>
      Promise.reject(
        new GatewayError(errorCodes.ConfigurationInvalid, `No delivery queue: set ${connectionSettingNames.serviceBus} or ${connectionSettingNames.serviceBus}__fullyQualifiedNamespace`, [
          { path: connectionSettingNames.serviceBus, message: 'is required to queue deliveries' },
        ]),
      ),
  };
}

/** For tests: forget built services (e.g. after changing process.env). */
export function resetGatewayServices(): void {
  services = undefined;
  hostParts = {};
}
