/**
 * The gateway's error catalogue. Every error a caller can act on carries a stable code; HTTP adapters map
 * codes to statuses, the delivery path maps them to settlements. Make a new code only when a caller would
 * act on it differently.
 */
export const errorCodes = {
  ConfigurationInvalid: 'CONFIGURATION_INVALID',
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** A JSON endpoint got a body of another content type. */
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  /** A browser page of another origin tried to change something. */
  ForbiddenOrigin: 'FORBIDDEN_ORIGIN',
  /** The request named a Host the server does not serve (DNS rebinding against a local run). */
  MisdirectedRequest: 'MISDIRECTED_REQUEST',
  UntrustedServiceUrl: 'UNTRUSTED_SERVICE_URL',
  ConcurrencyConflict: 'CONCURRENCY_CONFLICT',
  StorageUnavailable: 'STORAGE_UNAVAILABLE',
  TokenAcquisitionFailed: 'TOKEN_ACQUISITION_FAILED',
  /** The channel's signing keys cannot be had, so no inbound token can be checked: try again later. */
  AuthenticationUnavailable: 'AUTHENTICATION_UNAVAILABLE',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  ConnectorRequestFailed: 'CONNECTOR_REQUEST_FAILED',
  QueueUnavailable: 'QUEUE_UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

/** Where in the input a problem is: a JSON path such as `targets[0].tenantId`, and what is wrong there. */
export interface ErrorDetail {
  path: string;
  message: string;
}

export class GatewayError extends Error {
  override readonly name = 'GatewayError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Used at every `catch`: whatever was thrown, downstream code handles an Error. */
export function ensureError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : JSON.stringify(thrown);
  } catch {
    text = String(thrown);
  }
  return new GatewayError(errorCodes.Internal, `Non-error thrown: ${text}`);
}

export function isGatewayError(error: unknown, code?: ErrorCode): error is GatewayError {
  return error instanceof GatewayError && (code === undefined || error.code === code);
}
