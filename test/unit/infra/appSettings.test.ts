import { activityBodyLimit } from '../../../shared/activity/activityBodyLimit';
import { loadConfig, settingNames } from '../../../shared/config';
import { notificationBodyLimit } from '../../../shared/notifications/request/requestBodyLimit';
import { connectionSettingNames } from '../../../shared/resourceNames';
import { paramDefault, readBicep, variableObject } from './bicepSource';

/**
 * The app settings infra/modules/functionApp.bicep sets in Azure against what shared/config.ts reads: every
 * setting production needs is set, and every one that is not is listed here with the reason.
 */
const functionApp = readBicep('modules/functionApp.bicep');
const main = readBicep('main.bicep');
const hostSettings = variableObject(functionApp, 'hostSettings');
const gatewaySettings = variableObject(functionApp, 'gatewaySettings');
const singleTenantSettings = variableObject(functionApp, 'singleTenantSettings');
const callbackSettings = variableObject(functionApp, 'callbackSettings');

/** Settings the code reads that the deployment deliberately leaves unset. */
const notSetInAzure: Readonly<Record<string, string>> = {
  [settingNames.appPassword]: 'SingleTenant only, and then from Key Vault (singleTenantSettings); UserAssignedMSI has no secret',
  [settingNames.appCertificatePem]: 'alternative to the client secret; the Bicep deploys the secret form',
  [settingNames.channelService]: 'TeamsCloud is set explicitly and takes precedence',
  [settingNames.openIdMetadataUrl]: 'override of the TeamsCloud preset, for the local emulator or unusual clouds',
  [settingNames.tokenIssuer]: 'override of the TeamsCloud preset, for the local emulator or unusual clouds',
  [settingNames.loginUrl]: 'override of the TeamsCloud preset, for the local emulator or unusual clouds',
  [settingNames.oauthScope]: 'override of the TeamsCloud preset, for the local emulator or unusual clouds',
  [settingNames.trustedServiceUrlHosts]: 'extra trusted Bot Connector hosts: the local emulator only; Azure uses the preset',
  [settingNames.gccServiceUrl]: 'override of the preset GCC host: the local emulator only',
  [settingNames.tablesConnectionString]: 'connection-string form for Azurite; in Azure it would win over the identity form',
  [settingNames.serviceBusConnectionString]: 'connection-string form; Service Bus local auth is off in Azure',
  [settingNames.proactiveInstall]: 'opt-in (off by default); needs Graph admin consent that Bicep cannot grant, so an operator sets it with TeamsAppCatalogId',
  [settingNames.teamsAppCatalogId]: 'the app catalog id, known only after the app is uploaded to the tenant; set with ProactiveInstallation',
  [settingNames.graphEndpoint]: "override of the cloud's Graph: the local emulator only",
  [settingNames.deliveryBackoffBaseMs]: 'tuning knob; the code default (1 s, Teams-style exponential backoff) is the production value',
  [settingNames.deliveryBackoffMaxMs]: 'tuning knob; the code default (5 min cap) is the production value',
  [settingNames.perTenantBudget]: 'the code default (shared: one budget per tenant for every instance) is the production value; process is a comparison baseline',
  [settingNames.callbackAllowedHosts]: 'opt-in: set with callbackAllowedHosts (callbackSettings), off otherwise',
  [settingNames.callbackSigningSecret]: 'with CallbackAllowedHosts only, and then from Key Vault (callbackSettings)',
  [settingNames.callbackAllowPrivateNetwork]: 'local host only: the code refuses it on an Azure instance',
};

describe('app settings in infra/modules/functionApp.bicep', () => {
  const everySettingRead = Object.values(settingNames) as string[];

  it('sets every setting the code reads, except those documented as not set in Azure', () => {
    const unaccounted = everySettingRead.filter((name) => !gatewaySettings.has(name) && !(name in notSetInAzure));
    expect(unaccounted).toEqual([]);
  });

  it('documents only settings the code reads, and sets none of them unconditionally', () => {
    for (const name of Object.keys(notSetInAzure)) {
      expect(everySettingRead).toContain(name);
      expect(gatewaySettings.has(name)).toBe(false);
      expect(hostSettings.has(name)).toBe(false);
    }
  });

  it('sets MicrosoftAppPassword only for SingleTenant, as a Key Vault reference', () => {
    expect([...singleTenantSettings.keys()]).toEqual([settingNames.appPassword]);
    expect(singleTenantSettings.get(settingNames.appPassword)).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=\$\{\w+\}\)'$/);
    expect(functionApp.text).toMatch(/union\(hostSettings, gatewaySettings, isSingleTenant \? singleTenantSettings : \{\}, /);
  });

  it('sets the callback allowlist only when given, with the signing secret as a Key Vault reference', () => {
    expect([...callbackSettings.keys()]).toEqual([settingNames.callbackAllowedHosts, settingNames.callbackSigningSecret]);
    expect(callbackSettings.get(settingNames.callbackSigningSecret)).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=\$\{\w+\}\)'$/);
    expect(functionApp.text).toMatch(/callbacksEnabled \? callbackSettings : \{\}\)/);
    expect(functionApp.text).not.toContain(settingNames.callbackAllowPrivateNetwork + ':');
  });

  it.each([
    ['tables', connectionSettingNames.tables],
    ['service bus', connectionSettingNames.serviceBus],
    ['host storage', 'AzureWebJobsStorage'],
  ])('connects to %s with the user-assigned identity, never a key', (_what, prefix) => {
    const settings = new Map([...hostSettings, ...gatewaySettings]);
    expect(settings.get(`${prefix}__credential`)).toBe("'managedidentity'");
    expect(settings.get(`${prefix}__clientId`)).toBe('identityClientId');
    expect(settings.has(prefix)).toBe(false);
  });

  it('points the bot identity settings at the deployment parameters', () => {
    expect(gatewaySettings.get(settingNames.appId)).toBe('botAppId');
    expect(gatewaySettings.get(settingNames.appType)).toBe('botAppType');
    expect(gatewaySettings.get(settingNames.appTenantId)).toBe('botTenantId');
    expect(gatewaySettings.get(settingNames.publicBaseUrl)).toBe("'https://${site.properties.defaultHostName}'");
  });

  it('sends telemetry with Entra auth and sets nothing Flex Consumption rejects', () => {
    expect(hostSettings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toMatch(/Authorization=AAD/);
    const all = new Set([...hostSettings.keys(), ...gatewaySettings.keys(), ...singleTenantSettings.keys()]);
    for (const rejected of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE', 'WEBSITE_NODE_DEFAULT_VERSION', 'WEBSITE_CONTENTSHARE']) {
      expect(all.has(rejected)).toBe(false);
    }
  });

  it('lets the host refuse request bodies larger than any function reads, and none a function accepts', () => {
    const hostLimit = Number(/^'(\d+)'$/.exec(hostSettings.get('FUNCTIONS_REQUEST_BODY_SIZE_LIMIT') ?? '')?.[1]);
    expect(hostLimit).toBeGreaterThanOrEqual(Math.max(notificationBodyLimit.maxBytes, activityBodyLimit.maxBytes));
    expect(hostLimit).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('deploys the same delivery defaults the code falls back to', () => {
    const config = loadConfig({
      [settingNames.appId]: '00000000-0000-0000-0000-000000000001',
      [settingNames.appType]: 'UserAssignedMSI',
      [settingNames.appTenantId]: '00000000-0000-0000-0000-000000000002',
      [settingNames.tablesServiceUri]: 'https://example.table.core.windows.net/',
    });
    const expected: [string, string, number][] = [
      ['deliveryMaxAttempts', settingNames.deliveryMaxAttempts, config.delivery.maxAttempts],
      ['deliveryRequestTimeoutMs', settingNames.deliveryRequestTimeoutMs, config.delivery.requestTimeoutInMs],
      ['perTenantRequestsPerSecond', settingNames.perTenantRequestsPerSecond, config.delivery.perTenantRequestsPerSecond],
    ];
    for (const [param, setting, codeDefault] of expected) {
      expect(Number(paramDefault(main, param))).toBe(codeDefault);
      expect(Number(paramDefault(functionApp, param))).toBe(codeDefault);
      expect(gatewaySettings.get(setting)).toBe(`string(${param})`);
    }
  });
});
