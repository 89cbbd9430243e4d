import { ConnectorClient } from 'botframework-connector';

import { type OutboundTokenProvider } from '../auth/outboundTokenProvider';
import { isTrustedServiceUrl } from '../cloudEnvironment';
import { type GatewayConfig } from '../config';
import { errorCodes, GatewayError } from '../errors';
import { type OutboundActivity } from '../queue/deliveryMessage';
import { classifyConnectorFailure } from './connectorFailure';
import { type ConnectorAttempt, type ConnectorOutcome } from './connectorOutcome';
import { requestWithFreshTokenOn401 } from './freshTokenRetry';

/** A channel account exactly as stored from the inbound activity (never rebuilt by hand). */
export interface ConnectorAccount {
  id: string;
  name?: string;
  aadObjectId?: string;
  role?: string;
}

export interface ConnectorConversationAccount {
  id: string;
  tenantId?: string;
  conversationType?: string;
  isGroup?: boolean;
  name?: string;
}

/** Where and as whom to post: all from one stored conversation reference. */
export interface ConnectorConversationTarget {
  /** The reference's serviceUrl (or the GCC host after 403 InvalidBotApiHost). */
  serviceUrl: string;
  /** The reference's conversation, as received. */
  conversation: ConnectorConversationAccount;
  /** The inbound activity's `recipient`: the bot's own account, `28:<appId>` in Teams. Sent as `from`. */
  bot: ConnectorAccount;
  /** The reference's user, sent as `recipient` when present. */
  user?: ConnectorAccount;
  channelId?: string;
}

export interface PersonalConversationRequest {
  /** A serviceUrl stored for the user's tenant. */
  serviceUrl: string;
  /** The bot account stored for that tenant (`28:<appId>`). */
  bot: ConnectorAccount;
  tenantId: string;
  /** Teams user id (`29:...`) or the user's Entra object id (Teams accepts it for personal chats). */
  userId: string;
}

export interface ConnectorCallOptions {
  /** Abandons the call (e.g. the host is shutting down); reported as networkError `ABORTED`. */
  abortSignal?: AbortSignal;
  /** Per-request timeout; defaults to config.delivery.requestTimeoutInMs. */
  timeoutInMs?: number;
}

/**
 * The Bot Connector REST calls the gateway makes. Each call is one HTTP request (two only after a 401: one
 * more with a newly issued token); every retry beyond that belongs to the delivery policy. Never throws for
 * anything the network or Teams does: the answer is a ConnectorAttempt.
 */
export interface BotConnectorClient {
  /** `POST {serviceUrl}v3/conversations/{id}/activities`; success `id` is Teams' activity id. */
  sendToConversation(target: ConnectorConversationTarget, activity: OutboundActivity, options?: ConnectorCallOptions): Promise<ConnectorAttempt>;
  /** `PUT {serviceUrl}v3/conversations/{id}/activities/{activityId}`. */
  updateActivity(target: ConnectorConversationTarget, activityId: string, activity: OutboundActivity, options?: ConnectorCallOptions): Promise<ConnectorAttempt>;
  /** `DELETE {serviceUrl}v3/conversations/{id}/activities/{activityId}`. */
  deleteActivity(target: Pick<ConnectorConversationTarget, 'serviceUrl' | 'conversation'>, activityId: string, options?: ConnectorCallOptions): Promise<ConnectorAttempt>;
  /** `POST {serviceUrl}v3/conversations` for a 1:1 chat; success `id` is the conversation id. */
  createPersonalConversation(request: PersonalConversationRequest, options?: ConnectorCallOptions): Promise<ConnectorAttempt>;
}

export interface BotConnectorClientOptions {
  /** The clock for Retry-After dates. */
  now?: () => Date;
}

type ConnectorActivity = Parameters<ConnectorClient['conversations']['sendToConversation']>[1];
type ConversationParameters = Parameters<ConnectorClient['conversations']['createConversation']>[0];
type ConnectorCredentials = ConstructorParameters<typeof ConnectorClient>[0];
type RequestOptions = { customHeaders: Record<string, string>; abortSignal: AbortSignal };
type Operation = (client: ConnectorClient, requestOptions: RequestOptions) => Promise<unknown>;

/**
 * The token is set per call (customHeaders) rather than by these credentials: one client serves many
 * concurrent calls, and after a 401 the caller must know exactly which token was rejected.
 */
const perCallBearerToken: ConnectorCredentials = { signRequest: (webResource) => Promise.resolve(webResource) };

/** The pipeline policies that would send more than one request per call. */
const removedPolicies = ['defaultRetryPolicy', 'redirectPolicy'] as const;

export function createBotConnectorClient(
  config: Pick<GatewayConfig, 'trustedServiceUrlHosts' | 'delivery'>,
  tokens: OutboundTokenProvider,
  options: BotConnectorClientOptions = {},
): BotConnectorClient {
  const now = options.now ?? (() => new Date());
  // One client (and keep-alive agent) per service URL: a broadcast reuses connections to a handful of hosts.
  // Only trusted hosts get here, so the map stays small.
  const clients = new Map<string, ConnectorClient>();

  function clientFor(serviceUrl: string): ConnectorClient {
    const baseUri = serviceUrl.endsWith('/') ? serviceUrl : `${serviceUrl}/`;
    let client = clients.get(baseUri);
    if (client === undefined) {
      client = new ConnectorClient(perCallBearerToken, { baseUri, userAgent: 'teams-notification-gateway' });
      removeRetries(client);
      clients.set(baseUri, client);
    }
    return client;
  }

  async function requestOnce(client: ConnectorClient, token: string, operation: Operation, callOptions: ConnectorCallOptions): Promise<ConnectorOutcome> {
    const timeoutInMs = callOptions.timeoutInMs ?? config.delivery.requestTimeoutInMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutInMs);
    const callerSignal = callOptions.abortSignal;
    const onCallerAbort = (): void => controller.abort();
    if (callerSignal?.aborted === true) controller.abort();
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const result = await operation(client, { customHeaders: { Authorization: `Bearer ${token}` }, abortSignal: controller.signal });
      return successOf(result);
    } catch (thrown) {
      return classifyConnectorFailure(thrown, { timedOut, timeoutInMs, now: now() });
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  }

  async function call(serviceUrl: string, operation: Operation, callOptions: ConnectorCallOptions = {}): Promise<ConnectorAttempt> {
    // The token never leaves for a host that is not on the allowlist: checked before a token is even fetched.
    if (!isTrustedServiceUrl(serviceUrl, config.trustedServiceUrlHosts)) {
      return { outcome: { kind: 'untrustedServiceUrl', serviceUrl }, freshTokenRetried: false };
    }
    const client = clientFor(serviceUrl);
    return requestWithFreshTokenOn401(tokens, async (token) => requestOnce(client, token, operation, callOptions));
  }

  return {
    sendToConversation(target, activity, callOptions) {
      const body = activityFor(target, activity);
      return call(target.serviceUrl, (client, requestOptions) => client.conversations.sendToConversation(target.conversation.id, body, requestOptions), callOptions);
    },
    updateActivity(target, activityId, activity, callOptions) {
      const body = { ...activityFor(target, activity), id: activityId };
      return call(target.serviceUrl, (client, requestOptions) => client.conversations.updateActivity(target.conversation.id, activityId, body, requestOptions), callOptions);
    },
    deleteActivity(target, activityId, callOptions) {
      return call(target.serviceUrl, (client, requestOptions) => client.conversations.deleteActivity(target.conversation.id, activityId, requestOptions), callOptions);
    },
    createPersonalConversation(request, callOptions) {
      // Teams needs only ids here; botframework-schema types `name` as required, so the shape is asserted.
      const parameters = {
        isGroup: false,
        bot: request.bot,
        members: [{ id: request.userId }],
        tenantId: request.tenantId,
        channelData: { tenant: { id: request.tenantId } },
      } as ConversationParameters;
      return call(request.serviceUrl, (client, requestOptions) => client.conversations.createConversation(parameters, requestOptions), callOptions);
    },
  };
}

/** The stored reference's accounts and conversation go on the activity as they are; `from` is always the bot. */
function activityFor(target: ConnectorConversationTarget, activity: OutboundActivity): Partial<ConnectorActivity> {
  const body: Record<string, unknown> = { ...activity, from: target.bot, conversation: target.conversation, serviceUrl: target.serviceUrl };
  if (target.user !== undefined) body.recipient = target.user;
  if (target.channelId !== undefined) body.channelId = target.channelId;
  // OutboundActivity was validated at the edge; the SDK's Activity mapper serializes its known fields.
  return body;
}

function successOf(result: unknown): ConnectorOutcome {
  const fields = (typeof result === 'object' && result !== null ? result : {}) as { id?: unknown; _response?: { status?: unknown } };
  const status = typeof fields._response?.status === 'number' ? fields._response.status : 200;
  return typeof fields.id === 'string' && fields.id !== '' ? { kind: 'success', status, id: fields.id } : { kind: 'success', status };
}

/**
 * botframework-connector's pipeline retries 429/5xx three more times (3–9 s) inside one call and follows
 * redirects; the gateway's policy owns every retry, so both policies are removed. The pipeline is reached
 * through the SDK's ServiceClientContext, whose `client` is private in its typings; if a future version moves
 * it, construction fails loudly instead of retrying silently.
 */
function removeRetries(connector: ConnectorClient): void {
  const pipeline = (connector as unknown as { client?: { pipeline?: PipelineLike } }).client?.pipeline;
  if (pipeline === undefined) throw new GatewayError(errorCodes.Internal, 'botframework-connector no longer exposes its request pipeline');
  for (const name of removedPolicies) {
    if (pipeline.removePolicy({ name }).length !== 1) {
      throw new GatewayError(errorCodes.Internal, `botframework-connector's pipeline has no ${name} to remove`);
    }
  }
}

interface PipelineLike {
  removePolicy(options: { name: string }): unknown[];
}
