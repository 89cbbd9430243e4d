import { type ProactiveInstallSettings } from '../config';
import { parseConnectorErrorBody } from '../connector/connectorErrorBody';
import { classifyConnectorFailure } from '../connector/connectorFailure';
import { type ConnectorAttempt, type ConnectorOutcome } from '../connector/connectorOutcome';
import { requestWithFreshTokenOn401 } from '../connector/freshTokenRetry';
import { parseRetryAfter } from '../delivery/retryAfter';
import { type GraphTokens } from './graphTokens';

/** Installs the bot's app for a user (Microsoft Graph: POST /users/{id}/teamwork/installedApps). */
export interface GraphInstallClient {
  /** One request (plus one with a fresh token after a 401); the answer as data, never thrown. */
  installForUser(tenantId: string, userAadObjectId: string): Promise<ConnectorAttempt>;
}

export interface GraphInstallClientOptions {
  timeoutInMs: number;
  now: () => Date;
  fetch?: typeof fetch;
}

/**
 * The Graph answer in the Connector's outcome shape, so one delivery policy decides retries (429 with
 * Retry-After, 5xx, timeouts) for both. The token only ever goes to the configured Graph endpoint (https).
 */
export function createGraphInstallClient(settings: ProactiveInstallSettings, tokens: GraphTokens, options: GraphInstallClientOptions): GraphInstallClient {
  const doFetch = options.fetch ?? fetch;

  async function requestOnce(url: string, token: string, body: string): Promise<ConnectorOutcome> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutInMs);
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
        signal: controller.signal,
        redirect: 'error',
      });
      const text = await response.text();
      if (response.ok) return { kind: 'success', status: response.status };
      const { code, message } = parseConnectorErrorBody(text);
      const outcome: ConnectorOutcome = { kind: 'httpError', status: response.status };
      if (code !== undefined) outcome.code = code;
      if (message !== undefined) outcome.message = message;
      const retryAfterInMs = parseRetryAfter(response.headers.get('retry-after'), options.now());
      if (retryAfterInMs !== undefined) outcome.retryAfterInMs = retryAfterInMs;
      return outcome;
    } catch (thrown) {
      return classifyConnectorFailure(thrown, { timedOut, timeoutInMs: options.timeoutInMs, now: options.now() });
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async installForUser(tenantId, userAadObjectId) {
      const url = `${settings.graphBaseUrl}/users/${encodeURIComponent(userAadObjectId)}/teamwork/installedApps`;
      const body = JSON.stringify({ 'teamsApp@odata.bind': `${settings.graphBaseUrl}/appCatalogs/teamsApps/${encodeURIComponent(settings.teamsAppId)}` });
      return requestWithFreshTokenOn401(tokens.forTenant(tenantId), async (token) => requestOnce(url, token, body));
    },
  };
}
