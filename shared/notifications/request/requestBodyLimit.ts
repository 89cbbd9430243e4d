import { errorCodes, GatewayError } from '../../errors';
import { type BodyLimit } from '../../http/boundedRequestBody';

/**
 * Longest request body read at all (characters). A message fits 80,000 bytes of UTF-16 and the targets
 * 200,000 characters; anything longer is refused before it is parsed.
 */
export const maxRequestBodyLength = 1_000_000;

/** A 413 for a body too long to be a notification (or an update of one), before any parsing. */
export function checkBodyLength(bodyText: string): GatewayError | undefined {
  if (bodyText.length <= maxRequestBodyLength) return undefined;
  const message = `The body is ${bodyText.length.toLocaleString('en-US')} characters; at most ${maxRequestBodyLength.toLocaleString('en-US')} are read`;
  return new GatewayError(errorCodes.PayloadTooLarge, message, [{ path: '', message }]);
}

/**
 * Bytes read from a POST or PATCH body at most: the same million (a character is at least one byte), so a
 * body is cut off while it is read instead of after it was buffered.
 */
export const notificationBodyLimit: BodyLimit = { maxBytes: maxRequestBodyLength, what: 'notification request' };
