/**
 * Per-cloud endpoints in one place: where inbound tokens come from, where outbound tokens are asked for, and
 * which Bot Connector hosts may ever receive the bot's token. Values from botframework-connector's
 * AuthenticationConstants / GovernmentConstants and Teams' documented service URLs.
 */
export type CloudName = 'public' | 'gcc' | 'gccHigh' | 'dod';

export interface CloudEnvironment {
  name: CloudName;
  /** OpenID metadata for tokens the channel sends to the bot. */
  toBotFromChannelOpenIdMetadataUrl: string;
  /** `iss` of tokens the channel sends to the bot. */
  toBotFromChannelTokenIssuer: string;
  /** Authority prefix for outbound tokens; a tenant id (or the multi-tenant default) is appended. */
  toChannelFromBotLoginUrlPrefix: string;
  /** Authority for multi-tenant bots. */
  toChannelFromBotLoginUrl: string;
  /** Scope (audience) of outbound tokens, without `/.default`. */
  toChannelFromBotOAuthScope: string;
  /** Hosts (exact match) that may receive the bot's token. */
  trustedServiceUrlHosts: readonly string[];
  /** Where a GCC tenant's conversations live, used after 403 InvalidBotApiHost. */
  gccServiceUrl: string;
  /**
   * Microsoft Graph of the cloud (origin, no version): the audience of Graph tokens (`<endpoint>/.default`)
   * and the one host that may receive them. GCC uses the global Graph; GCC High and DoD have their own
   * (Microsoft Graph national cloud deployments).
   */
  graphEndpoint: string;
}

const publicCloud: CloudEnvironment = {
  name: 'public',
  toBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  toBotFromChannelTokenIssuer: 'https://api.botframework.com',
  toChannelFromBotLoginUrlPrefix: 'https://login.microsoftonline.com/',
  toChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  toChannelFromBotOAuthScope: 'https://api.botframework.com',
  trustedServiceUrlHosts: ['smba.trafficmanager.net', 'smba.infra.gcc.teams.microsoft.com'],
  gccServiceUrl: 'https://smba.infra.gcc.teams.microsoft.com/',
  graphEndpoint: 'https://graph.microsoft.com',
};

const usGovernment: Omit<CloudEnvironment, 'name' | 'trustedServiceUrlHosts' | 'gccServiceUrl' | 'graphEndpoint'> = {
  toBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
  toBotFromChannelTokenIssuer: 'https://api.botframework.us',
  toChannelFromBotLoginUrlPrefix: 'https://login.microsoftonline.us/',
  toChannelFromBotLoginUrl: 'https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us',
  toChannelFromBotOAuthScope: 'https://api.botframework.us',
};

export const cloudEnvironments: Readonly<Record<CloudName, CloudEnvironment>> = {
  public: publicCloud,
  // GCC (moderate) tenants use the public Bot Framework cloud and the GCC Teams host.
  gcc: { ...publicCloud, name: 'gcc' },
  gccHigh: {
    ...usGovernment,
    name: 'gccHigh',
    trustedServiceUrlHosts: ['smba.infra.gov.teams.microsoft.us'],
    gccServiceUrl: 'https://smba.infra.gov.teams.microsoft.us/',
    graphEndpoint: 'https://graph.microsoft.us',
  },
  dod: {
    ...usGovernment,
    name: 'dod',
    trustedServiceUrlHosts: ['smba.infra.dod.teams.microsoft.us'],
    gccServiceUrl: 'https://smba.infra.dod.teams.microsoft.us/',
    graphEndpoint: 'https://dod-graph.microsoft.us',
  },
};

/** Bot Framework's `ChannelService` setting: empty for public, the government URL for US Gov. */
export const usGovernmentChannelService = 'https://botframework.azure.us';

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine. */
export function isLoopbackHostname(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/** Exact-host comparison (never suffix), so `smba.trafficmanager.net.evil.example` is not trusted. */
export function isTrustedServiceUrl(serviceUrl: string, trustedHosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return false;
  }
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase();
  const secure = url.protocol === 'https:';
  return trustedHosts.some((trusted) => {
    const entry = trusted.toLowerCase();
    // Entries with a port (local emulator, e.g. `127.0.0.1:7072`) match host:port. The bot's token travels
    // in the clear over http, so plain http is allowed only to a loopback address (an emulator on this machine).
    if (entry.includes(':')) return entry === host && (secure || (url.protocol === 'http:' && isLoopbackHostname(hostname)));
    return secure && entry === hostname && url.port === '';
  });
}
