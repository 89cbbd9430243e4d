import { errorCodes, GatewayError } from '../errors';

/**
 * JSON endpoints take `application/json` (parameters such as `charset=utf-8` allowed) and nothing else: a
 * browser can send text/plain or a form across origins without a CORS preflight, never application/json.
 */
export function checkJsonContentType(headers: Headers): GatewayError | undefined {
  const contentType = headers.get('content-type');
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/json') return undefined;
  const message = contentType === null ? 'Content-Type is missing; send application/json' : `Content-Type is "${contentType.slice(0, 100)}"; send application/json`;
  return new GatewayError(errorCodes.UnsupportedMediaType, 'The body must be JSON sent as Content-Type: application/json.', [{ path: 'content-type', message }]);
}
