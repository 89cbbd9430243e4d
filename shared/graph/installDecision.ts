import { type ConnectorOutcome } from '../connector/connectorOutcome';

/** Codes of an installation Graph refused for good; each names what an admin (or the caller) must change. */
export const installFailureCodes = {
  /** 403 "Missing role permissions": TeamsAppInstallation.ReadWriteSelfForUser.All is not granted (admin consent). */
  GraphPermissionMissing: 'GraphPermissionMissing',
  /** Another 403: the tenant's app permission policy (or app-centric management) blocks the app for the user. */
  AppBlockedByPolicy: 'AppBlockedByPolicy',
  /** 404 naming the app: TeamsAppCatalogId is not an app of the tenant's catalog. */
  AppNotInCatalog: 'AppNotInCatalog',
  /** 404 otherwise: no such user in the tenant, or the user has no Teams license. */
  UserNotFound: 'UserNotFound',
  /** 400: Graph refused the request itself. */
  InstallationRejected: 'InstallationRejected',
} as const;
export type InstallFailureCode = (typeof installFailureCodes)[keyof typeof installFailureCodes];

export type InstallDecision =
  /** 201: installed now; Teams announces it to /api/messages (installationUpdate, conversationUpdate). */
  | { kind: 'installed' }
  /** 409 Conflict: the app already is installed for the user (Graph's answer to a repeated install). */
  | { kind: 'alreadyInstalled' }
  /** Final, not retried: recorded as `failed` with this code and failure class. */
  | { kind: 'refused'; code: InstallFailureCode; failureClass: 'misconfigured' | 'rejected' | 'gone'; status: number; message: string }
  /** Anything else (429, 5xx, timeouts, 401 after a fresh token, token trouble): the delivery policy's retry rules. */
  | { kind: 'transient' };

/** What one Graph install answer means for the copy; pure. */
export function decideInstall(outcome: ConnectorOutcome): InstallDecision {
  if (outcome.kind === 'success') return { kind: 'installed' };
  if (outcome.kind !== 'httpError') return { kind: 'transient' };
  const text = `${outcome.code ?? ''} ${outcome.message ?? ''}`;
  const refused = (code: InstallFailureCode, failureClass: 'misconfigured' | 'rejected' | 'gone', why: string): InstallDecision => ({
    kind: 'refused',
    code,
    failureClass,
    status: outcome.status,
    message: `Graph answered ${outcome.status}${outcome.code === undefined ? '' : ` ${outcome.code}`}: ${outcome.message ?? 'no message'}. ${why}`,
  });
  switch (outcome.status) {
    case 409:
      return { kind: 'alreadyInstalled' };
    case 400:
      return refused(installFailureCodes.InstallationRejected, 'rejected', 'Nothing was installed.');
    case 403:
      return /missing role permissions|missing scope permissions|Authorization_RequestDenied/i.test(text)
        ? refused(installFailureCodes.GraphPermissionMissing, 'misconfigured', 'Grant TeamsAppInstallation.ReadWriteSelfForUser.All (application) and admin consent in the tenant.')
        : refused(installFailureCodes.AppBlockedByPolicy, 'rejected', "The tenant's Teams app policy blocks the app for this user; an admin must allow it.");
    case 404:
      return /teamsApp|app catalog|appCatalogs/i.test(text)
        ? refused(installFailureCodes.AppNotInCatalog, 'misconfigured', 'TeamsAppCatalogId names no app of the tenant catalog; upload or publish the app and set its catalog id.')
        : refused(installFailureCodes.UserNotFound, 'gone', 'The user does not exist in the tenant or has no Teams license.');
    default:
      return { kind: 'transient' };
  }
}
