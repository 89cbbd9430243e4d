import { allowedHostProblem, parseAllowedHosts } from './callbacks/callbackHosts';
import { callbackRetryBaseInMs } from './callbacks/callbackRetry';
import { type CallbackSettings } from './callbacks/callbackSettings';
import { type CloudEnvironment, cloudEnvironments, type CloudName, usGovernmentChannelService } from './cloudEnvironment';
import { errorCodes, type ErrorDetail, GatewayError } from './errors';
import { connectionSettingNames } from './resourceNames';

export type MicrosoftAppType = 'UserAssignedMSI' | 'SingleTenant' | 'MultiTenant';

export interface BotIdentity {
  /** The bot's Entra app id (for UserAssignedMSI: the managed identity's client id). */
  appId: string;
  appType: MicrosoftAppType;
  /** Required for SingleTenant and UserAssignedMSI. */
  tenantId?: string;
  /** Client secret; only where a secret is used. Never logged. */
  password?: string;
  /** PEM with certificate and private key, for SingleTenant/MultiTenant certificate auth. Never logged. */
  certificatePem?: string;
}

export type TablesConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; serviceUri: string; clientId?: string };

export type ServiceBusConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; fullyQualifiedNamespace: string; clientId?: string };

export interface DeliverySettings {
  /** Attempts before a retryable failure is dead-lettered as RetriesExhausted. */
  maxAttempts: number;
  /** Per-request timeout to the Bot Connector, well under the function's lock duration. */
  requestTimeoutInMs: number;
  /** Base of the exponential backoff for 412/5xx/timeouts. */
  backoffBaseInMs: number;
  /** Cap of a single backoff delay. */
  backoffMaxInMs: number;
  /** Per-tenant request ceiling (Teams: 50 requests per second per app per tenant); 429s lower it for a while. */
  perTenantRequestsPerSecond: number;
  /** `shared`: every instance leases a tenant's sends from one budget in Table Storage; `process`: each paces alone. */
  perTenantBudget: PerTenantBudgetMode;
}

export const perTenantBudgetModes = ['shared', 'process'] as const;
export type PerTenantBudgetMode = (typeof perTenantBudgetModes)[number];

/**
 * Opt-in proactive installation (ProactiveInstallation=true): a userId target the bot has no personal chat
 * with gets the app installed for the user through Microsoft Graph, then the copy is sent.
 */
export interface ProactiveInstallSettings {
  /** The app's id in the tenant's app catalog (Graph teamsApp id; for a store app, the manifest id). */
  teamsAppId: string;
  /** Graph's versioned base, `<endpoint>/v1.0`: the cloud's Graph, or GraphEndpoint (the local emulator). */
  graphBaseUrl: string;
  /** Scope of Graph tokens: always the cloud's Graph (`<graph>/.default`), also with an endpoint override. */
  graphScope: string;
}

export interface GatewayConfig {
  bot: BotIdentity;
  cloud: CloudEnvironment;
  /** Exact hosts (optionally host:port) allowed to receive the bot's token: cloud preset plus config. */
  trustedServiceUrlHosts: readonly string[];
  /** Where a GCC tenant's conversations are reached after 403 InvalidBotApiHost. */
  gccServiceUrl: string;
  tables: TablesConnection;
  /** Absent only where the host supplies its own queue (the local host's in-process queue). */
  serviceBus?: ServiceBusConnection;
  delivery: DeliverySettings;
  /** Public base URL of this app, used to build `statusUrl`; relative URLs when absent. */
  publicBaseUrl?: string;
  /** Present only when proactive installation is turned on. */
  proactiveInstall?: ProactiveInstallSettings;
  /** Present only when status callbacks are turned on (CallbackAllowedHosts set). */
  callbacks?: CallbackSettings;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Names of every app setting the code reads; the Bicep test checks each is set (or documented optional). */
export const settingNames = {
  appId: 'MicrosoftAppId',
  appType: 'MicrosoftAppType',
  appTenantId: 'MicrosoftAppTenantId',
  appPassword: 'MicrosoftAppPassword',
  appCertificatePem: 'MicrosoftAppCertificatePem',
  channelService: 'ChannelService',
  openIdMetadataUrl: 'ToBotFromChannelOpenIdMetadataUrl',
  tokenIssuer: 'ToBotFromChannelTokenIssuer',
  loginUrl: 'ToChannelFromBotLoginUrl',
  oauthScope: 'ToChannelFromBotOAuthScope',
  cloud: 'TeamsCloud',
  trustedServiceUrlHosts: 'TrustedServiceUrlHosts',
  gccServiceUrl: 'GccServiceUrl',
  tablesConnectionString: connectionSettingNames.tables,
  tablesServiceUri: `${connectionSettingNames.tables}__serviceUri`,
  tablesClientId: `${connectionSettingNames.tables}__clientId`,
  serviceBusConnectionString: connectionSettingNames.serviceBus,
  serviceBusNamespace: `${connectionSettingNames.serviceBus}__fullyQualifiedNamespace`,
  serviceBusClientId: `${connectionSettingNames.serviceBus}__clientId`,
  deliveryMaxAttempts: 'DeliveryMaxAttempts',
  deliveryRequestTimeoutMs: 'DeliveryRequestTimeoutMs',
  deliveryBackoffBaseMs: 'DeliveryBackoffBaseMs',
  deliveryBackoffMaxMs: 'DeliveryBackoffMaxMs',
  perTenantRequestsPerSecond: 'PerTenantRequestsPerSecond',
  perTenantBudget: 'PerTenantBudget',
  publicBaseUrl: 'PublicBaseUrl',
  proactiveInstall: 'ProactiveInstallation',
  teamsAppCatalogId: 'TeamsAppCatalogId',
  graphEndpoint: 'GraphEndpoint',
  callbackAllowedHosts: 'CallbackAllowedHosts',
  callbackSigningSecret: 'CallbackSigningSecret',
  callbackAllowPrivateNetwork: 'CallbackAllowPrivateNetwork',
} as const;

/** Set by App Service on every Azure instance (not a setting of ours): where private callback receivers are never allowed. */
export const azureInstanceVariable = 'WEBSITE_INSTANCE_ID';

const appTypes: readonly MicrosoftAppType[] = ['UserAssignedMSI', 'SingleTenant', 'MultiTenant'];
const cloudNames: readonly CloudName[] = ['public', 'gcc', 'gccHigh', 'dod'];

/** Secrets are replaced by this in any summary. */
const redacted = '***';

/**
 * Reads and validates every setting once, at start-up. A bad or missing value stops start-up with one
 * error naming every problem (details carry the setting names).
 */
export function loadConfig(env: Environment): GatewayConfig {
  const problems: ErrorDetail[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const require = (name: string, why: string): string => {
    const value = read(name);
    if (value === undefined) problems.push({ path: name, message: `is required ${why}` });
    return value ?? '';
  };
  const positiveInt = (name: string, fallback: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > max) {
      problems.push({ path: name, message: `must be a whole number from 1 to ${max}, got "${raw}"` });
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const match = allowed.find((value) => value.toLowerCase() === raw.toLowerCase());
    if (match === undefined) problems.push({ path: name, message: `must be one of ${allowed.join(', ')}, got "${raw}"` });
    return match ?? fallback;
  };
  const url = (name: string): string | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    try {
      new URL(raw);
      return raw;
    } catch {
      problems.push({ path: name, message: `must be an absolute URL, got "${raw}"` });
      return undefined;
    }
  };

  const appId = require(settingNames.appId, 'to identify the bot');
  const appTypeRaw = read(settingNames.appType) ?? 'MultiTenant';
  const appType = appTypes.find((t) => t.toLowerCase() === appTypeRaw.toLowerCase());
  if (appType === undefined) {
    problems.push({ path: settingNames.appType, message: `must be one of ${appTypes.join(', ')}, got "${appTypeRaw}"` });
  }
  const tenantId = read(settingNames.appTenantId);
  const password = read(settingNames.appPassword);
  const certificatePem = read(settingNames.appCertificatePem);
  if ((appType === 'SingleTenant' || appType === 'UserAssignedMSI') && tenantId === undefined) {
    problems.push({ path: settingNames.appTenantId, message: `is required when ${settingNames.appType} is ${appType}` });
  }
  if ((appType === 'SingleTenant' || appType === 'MultiTenant') && password === undefined && certificatePem === undefined) {
    problems.push({
      path: settingNames.appPassword,
      message: `${settingNames.appPassword} or ${settingNames.appCertificatePem} is required when ${settingNames.appType} is ${appType}`,
    });
  }
  if (appType === 'UserAssignedMSI' && (password !== undefined || certificatePem !== undefined)) {
    problems.push({ path: settingNames.appPassword, message: 'must not be set for UserAssignedMSI (the identity has no secret)' });
  }

  // Bot Framework accepts only empty (public) or the US Government URL; anything else it refuses at start-up,
  // so an unknown value (or a typo) must not silently mean the public cloud.
  const channelService = read(settingNames.channelService)?.replace(/\/+$/, '').toLowerCase();
  if (channelService !== undefined && channelService !== usGovernmentChannelService) {
    problems.push({ path: settingNames.channelService, message: `must be empty (public cloud) or ${usGovernmentChannelService}, got "${channelService}"` });
  }
  // Cloud: explicit TeamsCloud, else derived from the Bot Framework's ChannelService convention.
  const cloudName = oneOf(settingNames.cloud, cloudNames, channelService === usGovernmentChannelService ? 'gccHigh' : 'public');
  const preset = cloudEnvironments[cloudName];
  const cloud: CloudEnvironment = {
    ...preset,
    toBotFromChannelOpenIdMetadataUrl: url(settingNames.openIdMetadataUrl) ?? preset.toBotFromChannelOpenIdMetadataUrl,
    toBotFromChannelTokenIssuer: read(settingNames.tokenIssuer) ?? preset.toBotFromChannelTokenIssuer,
    toChannelFromBotLoginUrl: url(settingNames.loginUrl) ?? preset.toChannelFromBotLoginUrl,
    toChannelFromBotOAuthScope: read(settingNames.oauthScope) ?? preset.toChannelFromBotOAuthScope,
  };
  const loginOverride = read(settingNames.loginUrl);
  if (loginOverride !== undefined) {
    // An overridden login URL (sovereign or local emulator) also moves the per-tenant authority prefix.
    const parsed = new URL(cloud.toChannelFromBotLoginUrl);
    cloud.toChannelFromBotLoginUrlPrefix = `${parsed.origin}/`;
  }

  const extraHosts = (read(settingNames.trustedServiceUrlHosts) ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  for (const host of extraHosts) {
    if (/[/\s]/.test(host)) problems.push({ path: settingNames.trustedServiceUrlHosts, message: `"${host}" is not a host name (host or host:port)` });
  }
  const gccServiceUrl = url(settingNames.gccServiceUrl) ?? preset.gccServiceUrl;

  const tables = readTablesConnection(read, problems);
  const serviceBus = readServiceBusConnection(read);

  const delivery: DeliverySettings = {
    maxAttempts: positiveInt(settingNames.deliveryMaxAttempts, 8, 100),
    requestTimeoutInMs: positiveInt(settingNames.deliveryRequestTimeoutMs, 20_000, 120_000),
    backoffBaseInMs: positiveInt(settingNames.deliveryBackoffBaseMs, 1_000, 60_000),
    backoffMaxInMs: positiveInt(settingNames.deliveryBackoffMaxMs, 5 * 60_000, 24 * 3_600_000),
    perTenantRequestsPerSecond: positiveInt(settingNames.perTenantRequestsPerSecond, 50, 1_000),
    perTenantBudget: oneOf(settingNames.perTenantBudget, perTenantBudgetModes, 'shared'),
  };

  if (delivery.backoffMaxInMs < delivery.backoffBaseInMs) {
    problems.push({ path: settingNames.deliveryBackoffMaxMs, message: `must not be less than ${settingNames.deliveryBackoffBaseMs} (${delivery.backoffBaseInMs})` });
  }

  const proactiveInstall = oneOf(settingNames.proactiveInstall, ['true', 'false'], 'false') === 'true' ? readProactiveInstall(read, url, cloud, problems) : undefined;
  const callbacks = readCallbackSettings(read, oneOf(settingNames.callbackAllowPrivateNetwork, ['true', 'false'], 'false') === 'true', problems);

  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path} ${p.message}`).join('; ');
    throw new GatewayError(errorCodes.ConfigurationInvalid, `Configuration is invalid: ${list}`, problems);
  }

  const bot: BotIdentity = { appId, appType: appType ?? 'MultiTenant' };
  if (tenantId !== undefined) bot.tenantId = tenantId;
  if (password !== undefined) bot.password = password;
  if (certificatePem !== undefined) bot.certificatePem = certificatePem;
  const config: GatewayConfig = {
    bot,
    cloud,
    trustedServiceUrlHosts: [...new Set([...preset.trustedServiceUrlHosts, ...extraHosts])],
    gccServiceUrl,
    tables,
    delivery,
  };
  if (serviceBus !== undefined) config.serviceBus = serviceBus;
  const publicBaseUrl = url(settingNames.publicBaseUrl);
  if (publicBaseUrl !== undefined) config.publicBaseUrl = publicBaseUrl.replace(/\/+$/, '');
  if (proactiveInstall !== undefined) config.proactiveInstall = proactiveInstall;
  if (callbacks !== undefined) config.callbacks = callbacks;
  return config;
}

/**
 * Callbacks are on when CallbackAllowedHosts names a host; then a signing secret is required. Private
 * receivers (CallbackAllowPrivateNetwork) are for the local host only: on an Azure instance the switch is an
 * error, so no setting can open the app's own network or the metadata service to a caller's URL.
 */
function readCallbackSettings(read: (name: string) => string | undefined, allowPrivateNetwork: boolean, problems: ErrorDetail[]): CallbackSettings | undefined {
  if (allowPrivateNetwork && read(azureInstanceVariable) !== undefined) {
    problems.push({ path: settingNames.callbackAllowPrivateNetwork, message: 'must not be true in Azure (private, loopback and link-local receivers are for the local host only)' });
  }
  const allowedHosts = parseAllowedHosts(read(settingNames.callbackAllowedHosts));
  for (const host of allowedHosts) {
    const problem = allowedHostProblem(host);
    if (problem !== undefined) problems.push({ path: settingNames.callbackAllowedHosts, message: problem });
  }
  if (allowedHosts.length === 0) return undefined;
  const signingSecret = read(settingNames.callbackSigningSecret);
  if (signingSecret === undefined || signingSecret.length < 32) {
    problems.push({ path: settingNames.callbackSigningSecret, message: `is required when ${settingNames.callbackAllowedHosts} is set: at least 32 characters (a Key Vault reference in Azure)` });
  }
  return { allowedHosts, allowPrivateNetwork, signingSecret: signingSecret ?? '', retryBaseInMs: callbackRetryBaseInMs };
}

/** With ProactiveInstallation on: the catalog id is required, and Graph is reached over https only. */
function readProactiveInstall(
  read: (name: string) => string | undefined,
  url: (name: string) => string | undefined,
  cloud: CloudEnvironment,
  problems: ErrorDetail[],
): ProactiveInstallSettings {
  const teamsAppId = read(settingNames.teamsAppCatalogId);
  if (teamsAppId === undefined) {
    problems.push({ path: settingNames.teamsAppCatalogId, message: `is required when ${settingNames.proactiveInstall} is true (the app's id in the tenant's app catalog)` });
  } else if (!/^[A-Za-z0-9-]{1,64}$/.test(teamsAppId)) {
    problems.push({ path: settingNames.teamsAppCatalogId, message: `must be a teamsApp id (letters, digits, dashes), got "${teamsAppId}"` });
  }
  const endpoint = (url(settingNames.graphEndpoint) ?? cloud.graphEndpoint).replace(/\/+$/, '');
  // The Graph token goes to this host: never in the clear.
  if (!endpoint.startsWith('https://')) problems.push({ path: settingNames.graphEndpoint, message: `must use https, got "${endpoint}"` });
  return { teamsAppId: teamsAppId ?? '', graphBaseUrl: `${endpoint}/v1.0`, graphScope: `${cloud.graphEndpoint}/.default` };
}

function readTablesConnection(read: (name: string) => string | undefined, problems: ErrorDetail[]): TablesConnection {
  const connectionString = read(settingNames.tablesConnectionString);
  if (connectionString !== undefined) return { kind: 'connectionString', connectionString };
  const serviceUri = read(settingNames.tablesServiceUri);
  if (serviceUri !== undefined) {
    const clientId = read(settingNames.tablesClientId);
    return clientId === undefined ? { kind: 'identity', serviceUri } : { kind: 'identity', serviceUri, clientId };
  }
  problems.push({
    path: settingNames.tablesConnectionString,
    message: `${settingNames.tablesConnectionString} or ${settingNames.tablesServiceUri} is required`,
  });
  return { kind: 'connectionString', connectionString: '' };
}

function readServiceBusConnection(read: (name: string) => string | undefined): ServiceBusConnection | undefined {
  const connectionString = read(settingNames.serviceBusConnectionString);
  if (connectionString !== undefined) return { kind: 'connectionString', connectionString };
  const fullyQualifiedNamespace = read(settingNames.serviceBusNamespace);
  if (fullyQualifiedNamespace === undefined) return undefined;
  const clientId = read(settingNames.serviceBusClientId);
  return clientId === undefined ? { kind: 'identity', fullyQualifiedNamespace } : { kind: 'identity', fullyQualifiedNamespace, clientId };
}

/** A summary safe to log: secrets and connection strings are replaced. */
export function describeConfig(config: GatewayConfig): Record<string, unknown> {
  return {
    appId: config.bot.appId,
    appType: config.bot.appType,
    tenantId: config.bot.tenantId,
    password: config.bot.password === undefined ? undefined : redacted,
    certificate: config.bot.certificatePem === undefined ? undefined : redacted,
    cloud: config.cloud.name,
    trustedServiceUrlHosts: config.trustedServiceUrlHosts,
    tables: config.tables.kind === 'connectionString' ? 'connection string (***)' : config.tables.serviceUri,
    serviceBus:
      config.serviceBus === undefined
        ? 'host-provided queue'
        : config.serviceBus.kind === 'connectionString'
          ? 'connection string (***)'
          : config.serviceBus.fullyQualifiedNamespace,
    delivery: config.delivery,
    proactiveInstall: config.proactiveInstall === undefined ? 'off' : { teamsAppId: config.proactiveInstall.teamsAppId, graph: config.proactiveInstall.graphBaseUrl },
    callbacks:
      config.callbacks === undefined
        ? 'off'
        : { allowedHosts: config.callbacks.allowedHosts, allowPrivateNetwork: config.callbacks.allowPrivateNetwork, signingSecret: redacted },
  };
}
