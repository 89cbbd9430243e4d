import { toOutboundTokenError } from '../auth/outboundTokenError';
import { type OutboundTokenProvider } from '../auth/outboundTokenProvider';
import { type ConnectorAttempt, type ConnectorOutcome } from './connectorOutcome';

/**
 * One request with the cached token and, after a 401, one more with a newly issued token (a 401 usually means
 * a token refreshed too late or cached wrongly); every retry beyond that belongs to the delivery policy. Token
 * trouble is an outcome, never thrown. The Bot Connector and Graph calls share this rule.
 */
export async function requestWithFreshTokenOn401(tokens: OutboundTokenProvider, requestOnce: (token: string) => Promise<ConnectorOutcome>): Promise<ConnectorAttempt> {
  let token: string;
  try {
    token = await tokens.getToken();
  } catch (thrown) {
    return { outcome: tokenErrorOf(thrown), freshTokenRetried: false };
  }
  const outcome = await requestOnce(token);
  if (outcome.kind !== 'httpError' || outcome.status !== 401) return { outcome, freshTokenRetried: false };
  try {
    token = await tokens.forceRefresh(token);
  } catch (thrown) {
    return { outcome: tokenErrorOf(thrown), freshTokenRetried: true };
  }
  return { outcome: await requestOnce(token), freshTokenRetried: true };
}

function tokenErrorOf(thrown: unknown): ConnectorOutcome {
  const error = toOutboundTokenError(thrown);
  return { kind: 'tokenError', code: error.tokenErrorCode, message: error.message };
}
