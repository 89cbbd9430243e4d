import { type HttpResponseInit } from '@azure/functions';

import { type ErrorCode, errorCodes, type ErrorDetail, GatewayError } from '../errors';
import { jsonResponse } from './jsonResponse';

/** The API's error body: `{"error":{"code","message","details":[{"path","message"}]}}`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: ErrorDetail[] };
}

/**
 * HTTP status per error code. A Record, so a new code in the catalogue fails the build until it has a status.
 * Storage, queue and write-race failures are 503 (the caller may retry; Bot Framework does); only a bug or a
 * broken deployment is 500. Bad input is always a 4xx.
 */
export const httpStatusByCode: Readonly<Record<ErrorCode, number>> = {
  [errorCodes.BadRequest]: 400,
  [errorCodes.Unauthorized]: 401,
  [errorCodes.UntrustedServiceUrl]: 403,
  [errorCodes.ForbiddenOrigin]: 403,
  [errorCodes.NotFound]: 404,
  [errorCodes.MethodNotAllowed]: 405,
  [errorCodes.Conflict]: 409,
  [errorCodes.PayloadTooLarge]: 413,
  [errorCodes.UnsupportedMediaType]: 415,
  [errorCodes.MisdirectedRequest]: 421,
  [errorCodes.ConnectorRequestFailed]: 502,
  [errorCodes.ConcurrencyConflict]: 503,
  [errorCodes.StorageUnavailable]: 503,
  [errorCodes.QueueUnavailable]: 503,
  [errorCodes.TokenAcquisitionFailed]: 503,
  [errorCodes.AuthenticationUnavailable]: 503,
  [errorCodes.ConfigurationInvalid]: 500,
  [errorCodes.Internal]: 500,
};

/** Seconds a client should wait before retrying a 503. */
const retryAfterSeconds = '5';

export function errorBody(code: ErrorCode, message: string, details: readonly ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details: details.map((d) => ({ path: d.path, message: d.message })) } };
}

/**
 * Any thrown value as an HTTP response. GatewayErrors keep their code, message and details; anything else
 * (and INTERNAL, CONFIGURATION_INVALID) answers a generic message, since its text may describe internals.
 * Log the error itself.
 */
export function errorResponse(thrown: unknown): HttpResponseInit {
  if (!(thrown instanceof GatewayError) || thrown.code === errorCodes.Internal) {
    return jsonResponse(500, errorBody(errorCodes.Internal, 'The gateway failed to handle this request.'));
  }
  if (thrown.code === errorCodes.ConfigurationInvalid) {
    // Setting names and values are for the operator's log, not for anonymous callers.
    return jsonResponse(500, errorBody(errorCodes.ConfigurationInvalid, 'The gateway is not configured correctly; see its log.'));
  }
  const status = httpStatusByCode[thrown.code];
  const headers: Record<string, string> = status === 503 ? { 'retry-after': retryAfterSeconds } : {};
  return jsonResponse(status, errorBody(thrown.code, thrown.message, thrown.details), headers);
}
