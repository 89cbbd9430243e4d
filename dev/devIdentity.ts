/**
 * The development bot identity and tenant that the Teams emulator and the local host share. Public,
 * fixed values for local runs only; the emulator accepts nothing else, and nothing real accepts them.
 */
export const devBot = {
  appId: '0f6d1c2e-7b1a-4c2e-9a55-3d1b6a7e0b07',
  /** Not a secret: a fixed development credential that only the local emulator accepts. */
  appPassword: 'local-emulator-only-secret',
  name: 'Notification Gateway (dev)',
} as const;

export const devTenantId = '5e2f7c1a-3b4d-4e6f-8a9b-0c1d2e3f4a5b';

/** The app's id in the emulator's app catalog: what TeamsAppCatalogId names for proactive installation. */
export const devTeamsAppId = '8d3c2b1a-6f5e-4d7c-9b8a-1e2f3a4b5c6d';

/** The settings that point the gateway's unmodified auth and Connector code at an emulator at `emulatorUrl`. */
export function emulatorGatewaySettings(emulatorUrl: string): Record<string, string> {
  const base = emulatorUrl.replace(/\/+$/, '');
  const host = new URL(base).host;
  return {
    MicrosoftAppId: devBot.appId,
    MicrosoftAppType: 'MultiTenant',
    MicrosoftAppPassword: devBot.appPassword,
    ToBotFromChannelOpenIdMetadataUrl: `${base}/v1/.well-known/openidconfiguration`,
    ToChannelFromBotLoginUrl: `${base}/botframework.com`,
    TrustedServiceUrlHosts: host,
    GccServiceUrl: `${base}/gcc/`,
    // Used only when ProactiveInstallation=true: the emulator plays Microsoft Graph under /graph.
    GraphEndpoint: `${base}/graph`,
    TeamsAppCatalogId: devTeamsAppId,
  };
}
