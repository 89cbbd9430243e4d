import { type Environment, settingNames } from '../shared/config';
import { localCallbackSettings } from './devCallbacks';
import { emulatorGatewaySettings } from './devIdentity';

/**
 * Which settings `npm start` embeds and which it takes from the environment. Real settings win, whole: a real
 * `MicrosoftAppId` brings the whole Bot Framework identity from the environment (no emulator), a real
 * `TablesConnection`/`TablesConnection__serviceUri` replaces Azurite, a real `ServiceBusConnection` replaces the
 * in-process queue for sending. Everything here is pure; dev/localHost.ts applies it.
 */

export interface LocalRunOptions {
  /** PORT, default 7071 (the Functions default); 0 = a free port. */
  port: number;
  /** TEAMS_EMULATOR_PORT, default 7072; 0 = a free port. */
  emulatorPort: number;
  /** `--persist`: Azurite keeps its data under .data/ between runs. */
  persist: boolean;
}

export const defaultPort = 7071;
export const defaultEmulatorPort = 7072;

/** Command line and ports; throws one message naming every problem. */
export function parseLocalRunOptions(argv: readonly string[], env: Environment): LocalRunOptions {
  const problems: string[] = [];
  const port = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65_535) {
      problems.push(`${name} must be a port number from 0 to 65535, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  let persist = false;
  for (const arg of argv) {
    if (arg === '--persist') persist = true;
    else problems.push(`unknown argument "${arg}" (the only option is --persist)`);
  }
  const options = { port: port('PORT', defaultPort), emulatorPort: port('TEAMS_EMULATOR_PORT', defaultEmulatorPort), persist };
  if (options.port !== 0 && options.port === options.emulatorPort) problems.push(`PORT and TEAMS_EMULATOR_PORT are both ${options.port}`);
  if (problems.length > 0) throw new Error(`npm start: ${problems.join('; ')}`);
  return options;
}

export type TablesPlan = { source: 'embedded'; persistDir?: string } | { source: 'environment'; description: string };
export type BotPlan = { source: 'embedded'; overridden: readonly string[] } | { source: 'environment'; appId: string };
/**
 * `shared`: LOCAL_QUEUE_URL names a shared queue broker (dev/sharedQueue/), so several local hosts take
 * messages from one queue as Functions instances do from one Service Bus queue (the bench's scale-out runs).
 */
export type QueuePlan = { source: 'embedded' } | { source: 'environment'; description: string } | { source: 'shared'; url: string };

/** Names a shared queue broker for the local host to use instead of its own in-process queue. */
export const localQueueUrlSetting = 'LOCAL_QUEUE_URL';

export interface LocalSettingsPlan {
  tables: TablesPlan;
  bot: BotPlan;
  queue: QueuePlan;
  /** PublicBaseUrl is set to the local host's URL unless the environment names one. */
  publicBaseUrl: 'embedded' | 'environment';
  /** Status callbacks to this machine with the development secret, unless the environment sets CallbackAllowedHosts. */
  callbacks: 'embedded' | 'environment';
}

/** Bot Framework and cloud settings that belong to one identity: taken from the environment all together or not at all. */
export const botIdentitySettingNames: readonly string[] = [
  settingNames.appId,
  settingNames.appType,
  settingNames.appTenantId,
  settingNames.appPassword,
  settingNames.appCertificatePem,
  settingNames.channelService,
  settingNames.openIdMetadataUrl,
  settingNames.tokenIssuer,
  settingNames.loginUrl,
  settingNames.oauthScope,
  settingNames.cloud,
  settingNames.trustedServiceUrlHosts,
  settingNames.gccServiceUrl,
];

export function planLocalSettings(env: Environment, options: { persistDir?: string } = {}): LocalSettingsPlan {
  const has = (name: string): boolean => (env[name]?.trim() ?? '') !== '';
  const appId = env[settingNames.appId]?.trim() ?? '';
  const bot: BotPlan =
    appId !== '' ? { source: 'environment', appId } : { source: 'embedded', overridden: botIdentitySettingNames.filter((name) => has(name)) };
  const tables: TablesPlan = has(settingNames.tablesConnectionString)
    ? { source: 'environment', description: describeTablesConnectionString(env[settingNames.tablesConnectionString] ?? '') }
    : has(settingNames.tablesServiceUri)
      ? { source: 'environment', description: `${env[settingNames.tablesServiceUri]?.trim() ?? ''} (managed identity)` }
      : options.persistDir === undefined
        ? { source: 'embedded' }
        : { source: 'embedded', persistDir: options.persistDir };
  const queue: QueuePlan = has(settingNames.serviceBusConnectionString)
    ? { source: 'environment', description: describeServiceBusConnectionString(env[settingNames.serviceBusConnectionString] ?? '') }
    : has(settingNames.serviceBusNamespace)
      ? { source: 'environment', description: `${env[settingNames.serviceBusNamespace]?.trim() ?? ''} (managed identity)` }
      : has(localQueueUrlSetting)
        ? { source: 'shared', url: env[localQueueUrlSetting]?.trim() ?? '' }
        : { source: 'embedded' };
  return {
    tables,
    bot,
    queue,
    publicBaseUrl: has(settingNames.publicBaseUrl) ? 'environment' : 'embedded',
    callbacks: has(settingNames.callbackAllowedHosts) ? 'environment' : 'embedded',
  };
}

export interface EmbeddedParts {
  gatewayUrl: string;
  /** The running Teams emulator, when the bot identity is embedded. */
  emulatorUrl?: string;
  /** The running Azurite, when tables are embedded. */
  tablesConnectionString?: string;
}

/** What to set in and remove from the environment before the gateway reads its configuration. */
export interface EnvironmentChanges {
  set: Record<string, string>;
  unset: readonly string[];
}

export function embeddedSettings(plan: LocalSettingsPlan, parts: EmbeddedParts): EnvironmentChanges {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  if (plan.bot.source === 'embedded') {
    if (parts.emulatorUrl === undefined) throw new Error('The embedded bot identity needs the Teams emulator');
    // A stray setting of another identity (a tenant id, an issuer) would make a mixed, unusable identity.
    unset.push(...plan.bot.overridden);
    Object.assign(set, emulatorGatewaySettings(parts.emulatorUrl));
  }
  if (plan.tables.source === 'embedded') {
    if (parts.tablesConnectionString === undefined) throw new Error('Embedded tables need Azurite');
    set[settingNames.tablesConnectionString] = parts.tablesConnectionString;
  }
  if (plan.publicBaseUrl === 'embedded') set[settingNames.publicBaseUrl] = parts.gatewayUrl;
  if (plan.callbacks === 'embedded') Object.assign(set, localCallbackSettings());
  return { set, unset: unset.filter((name) => !(name in set)) };
}

/**
 * The secret the emulator's callback receiver checks signatures with: the environment's when callbacks come
 * from the environment, else the embedded development secret (the emulator's default).
 */
export function callbackSecretFrom(plan: Pick<LocalSettingsPlan, 'callbacks'>, env: Environment): { callbackSigningSecret?: string } {
  const secret = env[settingNames.callbackSigningSecret]?.trim() ?? '';
  return plan.callbacks === 'embedded' || secret === '' ? {} : { callbackSigningSecret: secret };
}

/** A Tables connection string without its key: the endpoint or account it names. */
export function describeTablesConnectionString(connectionString: string): string {
  if (/UseDevelopmentStorage=true/i.test(connectionString)) return 'UseDevelopmentStorage=true';
  const fields = connectionStringFields(connectionString);
  const endpoint = fields.get('tableendpoint');
  if (endpoint !== undefined) return `connection string to ${endpoint}`;
  const account = fields.get('accountname');
  return account === undefined ? 'connection string (***)' : `connection string for account ${account}`;
}

/** A Service Bus connection string without its key: the namespace host. */
export function describeServiceBusConnectionString(connectionString: string): string {
  const endpoint = connectionStringFields(connectionString).get('endpoint');
  if (endpoint === undefined) return 'connection string (***)';
  try {
    return `connection string to ${new URL(endpoint).host}`;
  } catch {
    return 'connection string (***)';
  }
}

function connectionStringFields(connectionString: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return fields;
}
