import { errorCodes, GatewayError } from '../errors';

/**
 * A bot token could not be had. `tokenErrorCode` is the identity endpoint's own error (`invalid_client`,
 * `unauthorized_client`, `temporarily_unavailable`, `server_error`, ...) or what stopped the request
 * (`timeout`, `endpoints_resolution_error`, `network_error`, a socket code such as `ECONNREFUSED`), so the
 * delivery policy can tell misconfiguration from transient trouble. Never carries a secret or a token.
 */
export class OutboundTokenError extends GatewayError {
  constructor(
    readonly tokenErrorCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(errorCodes.TokenAcquisitionFailed, message, [{ path: 'tokenErrorCode', message: tokenErrorCode }], options);
  }
}

/** Codes that mean "try again later" rather than "the bot's identity is misconfigured". */
const transientCodes = new Set([
  'temporarily_unavailable',
  'server_error',
  'timeout',
  'network_error',
  'endpoints_resolution_error',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
]);

export function isTransientTokenErrorCode(code: string): boolean {
  return transientCodes.has(code) || code === 'http_429' || /^http_5\d\d$/.test(code);
}

const maxMessageLength = 500;

/**
 * Maps whatever @azure/identity or @azure/msal-node threw to an OutboundTokenError. Written by hand because
 * @azure/identity turns MSAL's ServerError (which has `errorCode`) into an AuthenticationRequiredError that
 * keeps only the message; MSAL formats that message as `<errorCode>: <description>`, so the code is read back
 * from its prefix.
 */
export function toOutboundTokenError(thrown: unknown): OutboundTokenError {
  if (thrown instanceof OutboundTokenError) return thrown;
  const error = thrown instanceof Error ? thrown : undefined;
  const message = (error?.message ?? String(thrown)).slice(0, maxMessageLength);
  return new OutboundTokenError(tokenErrorCodeOf(thrown, message), `Bot token acquisition failed: ${message}`, { cause: thrown });
}

function tokenErrorCodeOf(thrown: unknown, message: string): string {
  if (typeof thrown === 'object' && thrown !== null) {
    const fields = thrown as { errorResponse?: { error?: unknown }; errorCode?: unknown; code?: unknown; name?: unknown };
    // @azure/identity AuthenticationError: the parsed OAuth error body.
    if (typeof fields.errorResponse?.error === 'string' && fields.errorResponse.error !== '') return fields.errorResponse.error;
    // @azure/msal-node AuthError / ServerError (managed identity path, where MSAL is called directly).
    if (typeof fields.errorCode === 'string' && fields.errorCode !== '') return fields.errorCode;
    // Node socket errors.
    if (typeof fields.code === 'string' && /^E[A-Z_]+$/.test(fields.code)) return fields.code;
    if (fields.name === 'AbortError') return 'timeout';
  }
  const prefix = /^([a-z][a-z0-9_]*): /.exec(message);
  if (prefix?.[1] !== undefined) return prefix[1];
  // MSAL's ServerError from a managed identity endpoint that answered without an OAuth error (App Service
  // answers `{"statusCode":400,"message":...}`): the HTTP status is all there is.
  const status = (thrown as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return `http_${status}`;
  if (thrown instanceof Error && thrown.name === 'CredentialUnavailableError') return 'credential_unavailable';
  return 'unknown_error';
}
