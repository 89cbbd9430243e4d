import { describeConfig, type Environment, loadConfig } from '../../../shared/config';
import { GatewayError } from '../../../shared/errors';

const base: Environment = { MicrosoftAppId: 'app-id', MicrosoftAppPassword: 'app-secret', TablesConnection: 'UseDevelopmentStorage=true' };
const secret = 'callback-secret-0123456789-abcdefghij';

function refusal(env: Environment): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof GatewayError) return error.message;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('status callback settings', () => {
  it('are off without CallbackAllowedHosts', () => {
    expect(loadConfig(base).callbacks).toBeUndefined();
  });

  it('read the allowlist (trimmed, lower case) and the secret; private receivers stay off by default', () => {
    const config = loadConfig({ ...base, CallbackAllowedHosts: ' Hooks.Contoso.com, *.fabrikam.net ', CallbackSigningSecret: secret });
    expect(config.callbacks).toEqual({ allowedHosts: ['hooks.contoso.com', '*.fabrikam.net'], allowPrivateNetwork: false, signingSecret: secret, retryBaseInMs: 30_000 });
  });

  it('require a signing secret of at least 32 characters with an allowlist', () => {
    expect(refusal({ ...base, CallbackAllowedHosts: 'hooks.contoso.com' })).toMatch(/CallbackSigningSecret is required/);
    expect(refusal({ ...base, CallbackAllowedHosts: 'hooks.contoso.com', CallbackSigningSecret: 'short' })).toMatch(/at least 32 characters/);
  });

  it('refuse an entry that is not a host name', () => {
    expect(refusal({ ...base, CallbackAllowedHosts: 'https://hooks.contoso.com/x', CallbackSigningSecret: secret })).toMatch(/CallbackAllowedHosts "https:\/\/hooks.contoso.com\/x" is not a host name/);
  });

  it('allow private receivers on the local host, and refuse the switch on an Azure instance', () => {
    const local = { ...base, CallbackAllowedHosts: 'localhost', CallbackSigningSecret: secret, CallbackAllowPrivateNetwork: 'true' };
    expect(loadConfig(local).callbacks?.allowPrivateNetwork).toBe(true);
    expect(refusal({ ...local, WEBSITE_INSTANCE_ID: 'a1b2c3' })).toMatch(/CallbackAllowPrivateNetwork must not be true in Azure/);
    expect(loadConfig({ ...local, CallbackAllowPrivateNetwork: 'false', WEBSITE_INSTANCE_ID: 'a1b2c3' }).callbacks?.allowPrivateNetwork).toBe(false);
  });

  it('never show the secret in the configuration summary', () => {
    const config = loadConfig({ ...base, CallbackAllowedHosts: 'hooks.contoso.com', CallbackSigningSecret: secret });
    expect(JSON.stringify(describeConfig(config))).not.toContain(secret);
    expect(describeConfig(config).callbacks).toEqual({ allowedHosts: ['hooks.contoso.com'], allowPrivateNetwork: false, signingSecret: '***' });
  });
});
