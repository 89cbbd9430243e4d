import { AuthenticationError, AuthenticationRequiredError, CredentialUnavailableError } from '@azure/identity';

import { isTransientTokenErrorCode, OutboundTokenError, toOutboundTokenError } from '../../../shared/auth/outboundTokenError';
import { errorCodes, isGatewayError } from '../../../shared/errors';

describe('toOutboundTokenError', () => {
  it('reads the AAD code back from the message @azure/identity keeps of an MSAL ServerError', () => {
    // What ClientSecretCredential throws for a wrong secret (observed against a local token endpoint).
    const thrown = new AuthenticationRequiredError({
      scopes: ['https://api.botframework.com/.default'],
      message: 'invalid_client: Error(s): 7000215 - Timestamp: Not Available - Description: AADSTS7000215: Invalid client secret provided.',
    });
    const error = toOutboundTokenError(thrown);
    expect(error).toBeInstanceOf(OutboundTokenError);
    expect(isGatewayError(error, errorCodes.TokenAcquisitionFailed)).toBe(true);
    expect(error.tokenErrorCode).toBe('invalid_client');
    expect(error.message).toContain('AADSTS7000215');
  });

  it('tells transient trouble from misconfiguration', () => {
    const busy = toOutboundTokenError(new AuthenticationRequiredError({ scopes: [], message: 'temporarily_unavailable: Error(s): Not Available - Description: AADSTS50196' }));
    expect(busy.tokenErrorCode).toBe('temporarily_unavailable');
    expect(isTransientTokenErrorCode(busy.tokenErrorCode)).toBe(true);
    expect(isTransientTokenErrorCode('invalid_client')).toBe(false);
    expect(isTransientTokenErrorCode('unauthorized_client')).toBe(false);
  });

  it('uses the OAuth error of an AuthenticationError', () => {
    const thrown = new AuthenticationError(400, { error: 'unauthorized_client', error_description: 'AADSTS700016: Application not found' });
    expect(toOutboundTokenError(thrown).tokenErrorCode).toBe('unauthorized_client');
  });

  it("uses MSAL's errorCode (managed identity path)", () => {
    const thrown = Object.assign(new Error('network_error: Network request failed'), { name: 'ClientAuthError', errorCode: 'network_error' });
    expect(toOutboundTokenError(thrown).tokenErrorCode).toBe('network_error');
  });

  it('names a managed identity endpoint answer without an OAuth error by its HTTP status', () => {
    const thrown = Object.assign(new Error(': Error(s): Not Available - Description: Unable to load the proper Managed Identity.'), { name: 'ServerError', errorCode: '', status: 400 });
    const error = toOutboundTokenError(thrown);
    expect(error.tokenErrorCode).toBe('http_400');
    expect(isTransientTokenErrorCode(error.tokenErrorCode)).toBe(false);
    expect(isTransientTokenErrorCode('http_503')).toBe(true);
    expect(isTransientTokenErrorCode('http_429')).toBe(true);
  });

  it('keeps socket error codes', () => {
    const thrown = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(toOutboundTokenError(thrown).tokenErrorCode).toBe('ECONNREFUSED');
  });

  it('names an unreachable authority endpoints_resolution_error (what @azure/identity says)', () => {
    const thrown = new CredentialUnavailableError('endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details');
    expect(toOutboundTokenError(thrown).tokenErrorCode).toBe('endpoints_resolution_error');
  });

  it('falls back to credential_unavailable and unknown_error', () => {
    expect(toOutboundTokenError(new CredentialUnavailableError('ManagedIdentityCredential: no endpoint')).tokenErrorCode).toBe('credential_unavailable');
    expect(toOutboundTokenError('boom').tokenErrorCode).toBe('unknown_error');
  });

  it('passes an OutboundTokenError through unchanged', () => {
    const original = new OutboundTokenError('timeout', 'took too long');
    expect(toOutboundTokenError(original)).toBe(original);
  });
});
