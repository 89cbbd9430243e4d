/**
 * What one Bot Connector request came to, as data: the boundary between the imperative Connector client
 * (botConnectorClient.ts) and the pure delivery policy (delivery/deliveryPolicy.ts).
 */
export type ConnectorOutcome =
  | {
      kind: 'success';
      status: number;
      /** Teams' id of the posted activity (send), or of the created conversation (create). */
      id?: string;
    }
  | {
      kind: 'httpError';
      status: number;
      /** Teams' error code from `{"error":{"code","message"}}`, when the body had one. */
      code?: string;
      message?: string;
      /** From `Retry-After` (seconds or HTTP date), in ms; only when the header was present and valid. */
      retryAfterInMs?: number;
    }
  | { kind: 'timeout'; timeoutInMs: number }
  | {
      kind: 'networkError';
      /** e.g. ECONNRESET, ECONNREFUSED, ENOTFOUND. */
      code: string;
      message: string;
    }
  | {
      /** The serviceUrl's host is not on the trusted list: nothing was sent, the token never left. */
      kind: 'untrustedServiceUrl';
      serviceUrl: string;
    }
  | {
      /** No token could be had (identity endpoint failure); nothing was sent. */
      kind: 'tokenError';
      code: string;
      message: string;
    };

/** Set by the client when it already dropped its cached token and retried once after a 401. */
export interface ConnectorAttempt {
  outcome: ConnectorOutcome;
  freshTokenRetried: boolean;
}
