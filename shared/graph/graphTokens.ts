import { createOutboundCredential } from '../auth/outboundCredential';
import { createOutboundTokenProvider, type OutboundTokenProvider } from '../auth/outboundTokenProvider';
import { type GatewayConfig, type ProactiveInstallSettings } from '../config';

/** Graph tokens per tenant: the same identity and cache rules as the Connector's token (outboundTokenProvider.ts). */
export interface GraphTokens {
  forTenant(tenantId: string): OutboundTokenProvider;
}

/**
 * A MultiTenant bot needs a token from each customer tenant (their admin consented there); a SingleTenant bot
 * or managed identity has one tenant, so one provider serves all.
 */
export function createGraphTokens(config: Pick<GatewayConfig, 'bot' | 'cloud' | 'delivery'>, settings: ProactiveInstallSettings, now: () => Date): GraphTokens {
  const providers = new Map<string, OutboundTokenProvider>();
  return {
    forTenant(tenantId) {
      const key = config.bot.appType === 'MultiTenant' ? tenantId.toLowerCase() : '';
      let provider = providers.get(key);
      if (provider === undefined) {
        const credential = createOutboundCredential(config, { scope: settings.graphScope, tenantId });
        provider = createOutboundTokenProvider(config, { credential, now });
        providers.set(key, provider);
      }
      return provider;
    },
  };
}
