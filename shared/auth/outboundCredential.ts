import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { ManagedIdentityApplication } from '@azure/msal-node';

import { type CloudEnvironment } from '../cloudEnvironment';
import { type BotIdentity, type GatewayConfig } from '../config';
import { errorCodes, GatewayError } from '../errors';
import { OutboundTokenError } from './outboundTokenError';

/** A freshly issued bot token, as the identity libraries describe it. */
export interface IssuedToken {
  token: string;
  expiresOnTimestamp: number;
  refreshAfterTimestamp?: number;
}

/**
 * Issues a new bot token on every call, skipping every library cache: the token provider
 * (outboundTokenProvider.ts) is the only cache, so "refresh" and "force refresh" both really refresh.
 */
export interface OutboundCredential {
  issueToken(): Promise<IssuedToken>;
}

/** Where a secret or certificate credential asks for tokens: authority host and tenant (path segment). */
export interface OutboundAuthority {
  authorityHost: string;
  tenantId: string;
}

/** Scope of tokens for the Bot Connector of the configured cloud (or the emulator's override). */
export function outboundTokenScope(cloud: CloudEnvironment): string {
  return `${cloud.toChannelFromBotOAuthScope.replace(/\/+$/, '')}/.default`;
}

/**
 * SingleTenant: `<login prefix><tenant id>`. MultiTenant: the configured ToChannelFromBotLoginUrl, whose last
 * path segment is the tenant (`botframework.com` in public Azure, `MicrosoftServices.onmicrosoft.us` in US Gov,
 * `botframework.com` under the emulator); a configured tenant id is ignored, as the Bot Framework SDK does.
 */
export function outboundAuthority(bot: BotIdentity, cloud: CloudEnvironment): OutboundAuthority {
  if (bot.appType === 'SingleTenant') {
    if (bot.tenantId === undefined) throw configError('MicrosoftAppTenantId is required for SingleTenant');
    return { authorityHost: cloud.toChannelFromBotLoginUrlPrefix.replace(/\/+$/, ''), tenantId: bot.tenantId };
  }
  const loginUrl = new URL(cloud.toChannelFromBotLoginUrl);
  const segments = loginUrl.pathname.split('/').filter((s) => s !== '');
  const tenantId = segments.pop();
  if (tenantId === undefined) throw configError(`ToChannelFromBotLoginUrl "${loginUrl.href}" names no tenant`);
  const authorityHost = [loginUrl.origin, ...segments].join('/');
  return { authorityHost, tenantId };
}

/**
 * Another resource than the Bot Connector, asked for with the same identity (Microsoft Graph for proactive
 * installation). Its tokens must come from the tenant whose admin consented: a MultiTenant bot asks that
 * tenant's authority; a SingleTenant bot and a managed identity only ever have their own tenant.
 */
export interface OutboundAudience {
  scope: string;
  tenantId: string;
}

/** The authority for `audience`: the Connector's (outboundAuthority) unless a MultiTenant bot needs another tenant's. */
function authorityFor(bot: BotIdentity, cloud: CloudEnvironment, audience: OutboundAudience | undefined): OutboundAuthority {
  if (audience === undefined || bot.appType !== 'MultiTenant') return outboundAuthority(bot, cloud);
  return { authorityHost: cloud.toChannelFromBotLoginUrlPrefix.replace(/\/+$/, ''), tenantId: audience.tenantId };
}

/**
 * The credential for the bot's app type (for the Bot Connector, or for `audience` with the same identity).
 * - SingleTenant / MultiTenant: @azure/identity's ClientCertificateCredential (PEM, preferred when both are
 *   set) or ClientSecretCredential, with the cloud's authority host and `disableInstanceDiscovery` so no call
 *   goes to Microsoft's discovery endpoint (sovereign clouds and the local emulator are not "known"
 *   authorities). A new instance per token drops MSAL's in-memory cache, so every call is a real token request.
 * - UserAssignedMSI: @azure/msal-node's ManagedIdentityApplication with `forceRefresh`. Not @azure/identity's
 *   ManagedIdentityCredential: that one never passes forceRefresh, and MSAL keeps managed-identity tokens in a
 *   process-wide static cache, so neither a new instance nor anything else could make it skip a rejected token.
 * The libraries were chosen over botframework-connector's AppCredentials because those keep their own static
 * token cache keyed by app id and give no error codes or refresh hints.
 */
export function createOutboundCredential(config: Pick<GatewayConfig, 'bot' | 'cloud'>, audience?: OutboundAudience): OutboundCredential {
  const { bot, cloud } = config;
  const scope = audience?.scope ?? outboundTokenScope(cloud);
  if (bot.appType === 'UserAssignedMSI') {
    const msi = new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: bot.appId } });
    return {
      async issueToken() {
        const result = await msi.acquireToken({ resource: scope, forceRefresh: true });
        return issued(result.accessToken, result.expiresOn?.getTime(), result.refreshOn?.getTime());
      },
    };
  }
  const { authorityHost, tenantId } = authorityFor(bot, cloud, audience);
  if (!authorityHost.startsWith('https://')) throw configError(`the token authority must use https, got "${authorityHost}"`);
  const options = { authorityHost, disableInstanceDiscovery: true };
  const { certificatePem, password } = bot;
  let create: () => TokenCredential;
  if (certificatePem !== undefined) create = () => new ClientCertificateCredential(tenantId, bot.appId, { certificate: certificatePem }, options);
  else if (password !== undefined) create = () => new ClientSecretCredential(tenantId, bot.appId, password, options);
  else throw configError(`${bot.appType} needs MicrosoftAppPassword or MicrosoftAppCertificatePem`);
  return {
    async issueToken() {
      const result = await create().getToken(scope);
      return issued(result?.token ?? '', result?.expiresOnTimestamp, result?.refreshAfterTimestamp);
    },
  };
}

function issued(token: string, expiresOnTimestamp: number | undefined, refreshAfterTimestamp: number | undefined): IssuedToken {
  if (token === '' || expiresOnTimestamp === undefined || !Number.isFinite(expiresOnTimestamp)) {
    throw new OutboundTokenError('invalid_token_response', 'The identity endpoint returned no usable token');
  }
  return refreshAfterTimestamp === undefined ? { token, expiresOnTimestamp } : { token, expiresOnTimestamp, refreshAfterTimestamp };
}

function configError(message: string): GatewayError {
  return new GatewayError(errorCodes.ConfigurationInvalid, `Outbound bot credential: ${message}`);
}
