import { type InboundAuthenticator } from './auth/inboundAuthenticator';
import { type OutboundTokenProvider } from './auth/outboundTokenProvider';
import { type GatewayConfig, type ProactiveInstallSettings } from './config';
import { type BotConnectorClient } from './connector/botConnectorClient';
import { type GraphTokens } from './graph/graphTokens';
import { loadOnFirstUse } from './loadOnFirstUse';

/**
 * The Bot Framework parts of the gateway services, each required on its first call instead of when the
 * function app starts: only `/api/messages` validates channel tokens, and only the `send` function calls the
 * Bot Connector. The other functions (notifications, status, health, reconcile) start without them.
 * Only `import type` above: a value import would load the stack with this file.
 */
export function lazyInboundAuthenticator(config: Pick<GatewayConfig, 'bot' | 'cloud'>): InboundAuthenticator {
  const authenticator = loadOnFirstUse(async () => {
    const { createBotFrameworkInboundAuthenticator } = await import('./auth/inboundAuthenticator');
    return createBotFrameworkInboundAuthenticator({ appId: config.bot.appId, cloud: config.cloud });
  });
  return { authenticate: async (authorization) => (await authenticator()).authenticate(authorization) };
}

export function lazyOutboundTokenProvider(config: Pick<GatewayConfig, 'bot' | 'cloud' | 'delivery'>, now: () => Date): OutboundTokenProvider {
  const tokens = loadOnFirstUse(async () => {
    const { createOutboundTokenProvider } = await import('./auth/outboundTokenProvider');
    return createOutboundTokenProvider(config, { now });
  });
  return {
    getToken: async () => (await tokens()).getToken(),
    forceRefresh: async (rejectedToken) => (await tokens()).forceRefresh(rejectedToken),
  };
}

export function lazyBotConnectorClient(config: GatewayConfig, tokens: OutboundTokenProvider, now: () => Date): BotConnectorClient {
  const connector = loadOnFirstUse(async () => {
    const { createBotConnectorClient } = await import('./connector/botConnectorClient');
    return createBotConnectorClient(config, tokens, { now });
  });
  return {
    sendToConversation: async (target, activity, options) => (await connector()).sendToConversation(target, activity, options),
    updateActivity: async (target, activityId, activity, options) => (await connector()).updateActivity(target, activityId, activity, options),
    deleteActivity: async (target, activityId, options) => (await connector()).deleteActivity(target, activityId, options),
    createPersonalConversation: async (request, options) => (await connector()).createPersonalConversation(request, options),
  };
}

/** Graph tokens for proactive installation: the same identity stack, so loaded on first use the same way. */
export function lazyGraphTokens(config: Pick<GatewayConfig, 'bot' | 'cloud' | 'delivery'>, settings: ProactiveInstallSettings, now: () => Date): GraphTokens {
  const graphTokens = loadOnFirstUse(async () => {
    const { createGraphTokens } = await import('./graph/graphTokens');
    return createGraphTokens(config, settings, now);
  });
  return {
    forTenant: (tenantId) => ({
      getToken: async () => (await graphTokens()).forTenant(tenantId).getToken(),
      forceRefresh: async (rejectedToken) => (await graphTokens()).forTenant(tenantId).forceRefresh(rejectedToken),
    }),
  };
}
