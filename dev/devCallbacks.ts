import { settingNames } from '../shared/config';

/**
 * Status callbacks under `npm start`: receivers on this machine (the Teams emulator's `/callbacks/{name}`)
 * are allowed, and callbacks are signed with a fixed development secret the emulator's receiver checks.
 * Not a secret: public and for local runs only; Azure reads its secret from Key Vault.
 */
export const devCallbackSigningSecret = 'local-callbacks-only-signing-secret-0123456789';

export function localCallbackSettings(): Record<string, string> {
  return {
    [settingNames.callbackAllowedHosts]: 'localhost,127.0.0.1',
    [settingNames.callbackAllowPrivateNetwork]: 'true',
    [settingNames.callbackSigningSecret]: devCallbackSigningSecret,
  };
}
