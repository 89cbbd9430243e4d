import { createRequire } from 'node:module';

import { type MsalServiceClientCredentialsFactory } from 'botframework-connector';

export type ConnectorMsalApplication = ConstructorParameters<typeof MsalServiceClientCredentialsFactory>[1];

export interface EmulatorIdentity {
  appId: string;
  appPassword: string;
  /** `${emulatorUrl}/botframework.com`, the emulator's ToChannelFromBotLoginUrl. */
  loginUrl: string;
}

/**
 * The MSAL confidential client botframework-connector would make for the bot, told that the emulator's host is
 * a known authority. The SDK's own (MicrosoftAppCredentials) asks login.microsoftonline.com to validate any
 * other authority, which cannot be reached from here; this is the one change to the template baselines, and it
 * only moves where the token comes from. Loaded from botframework-connector's own copy of msal-node.
 */
export function emulatorMsalApplication(identity: EmulatorIdentity): ConnectorMsalApplication {
  const connectorRequire = createRequire(require.resolve('botframework-connector'));
  const msal = connectorRequire('@azure/msal-node') as { ConfidentialClientApplication: new (configuration: unknown) => ConnectorMsalApplication };
  return new msal.ConfidentialClientApplication({
    auth: { clientId: identity.appId, clientSecret: identity.appPassword, authority: identity.loginUrl, knownAuthorities: [new URL(identity.loginUrl).host] },
  });
}
