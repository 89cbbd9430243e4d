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
  };
}
