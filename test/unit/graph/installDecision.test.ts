import { type ConnectorOutcome } from '../../../shared/connector/connectorOutcome';
import { decideInstall, installFailureCodes } from '../../../shared/graph/installDecision';

const httpError = (status: number, code?: string, message?: string): ConnectorOutcome => ({
  kind: 'httpError',
  status,
  ...(code === undefined ? {} : { code }),
  ...(message === undefined ? {} : { message }),
});

describe('decideInstall', () => {
  it('201 is a fresh install; 409 Conflict means already installed (a repeat is harmless)', () => {
    expect(decideInstall({ kind: 'success', status: 201 })).toEqual({ kind: 'installed' });
    expect(decideInstall(httpError(409, 'Conflict', 'The app is already installed.'))).toEqual({ kind: 'alreadyInstalled' });
  });

  it.each([
    [403, 'Forbidden', "Missing role permissions on the request. API requires one of 'TeamsAppInstallation.ReadWriteSelfForUser.All'.", installFailureCodes.GraphPermissionMissing, 'misconfigured'],
    [403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', installFailureCodes.GraphPermissionMissing, 'misconfigured'],
    [403, 'Forbidden', 'The app is blocked by the app permission policy of the tenant for this user.', installFailureCodes.AppBlockedByPolicy, 'rejected'],
    [404, 'NotFound', "User 'x' was not found in the tenant or has no license for Microsoft Teams.", installFailureCodes.UserNotFound, 'gone'],
    [404, 'NotFound', "The teamsApp 'y' was not found in the app catalog.", installFailureCodes.AppNotInCatalog, 'misconfigured'],
    [400, 'BadRequest', 'Invalid bind.', installFailureCodes.InstallationRejected, 'rejected'],
  ])('%i %s (%s) is final: %s, %s', (status, code, message, expectedCode, failureClass) => {
    const decision = decideInstall(httpError(status, code, message));
    expect(decision).toMatchObject({ kind: 'refused', code: expectedCode, failureClass, status });
    // The recorded message keeps Graph's words and says what to change.
    expect(decision.kind === 'refused' && decision.message).toContain(message);
  });

  it.each<[string, ConnectorOutcome]>([
    ['429 with Retry-After', { kind: 'httpError', status: 429, code: 'TooManyRequests', retryAfterInMs: 3000 }],
    ['503', httpError(503)],
    ['401 after a fresh token', httpError(401, 'InvalidAuthenticationToken')],
    ['a timeout', { kind: 'timeout', timeoutInMs: 20_000 }],
    ['a reset', { kind: 'networkError', code: 'ECONNRESET', message: 'socket hang up' }],
    ['no token', { kind: 'tokenError', code: 'temporarily_unavailable', message: 'try later' }],
  ])('%s goes to the delivery policy (retry rules)', (_name, outcome) => {
    expect(decideInstall(outcome)).toEqual({ kind: 'transient' });
  });
});
