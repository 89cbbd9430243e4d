import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers of every callback POST. Receivers de-duplicate on the event id: a retry repeats it. */
export const callbackHeaderNames = {
  eventId: 'X-Gateway-Event-Id',
  timestamp: 'X-Gateway-Timestamp',
  signature: 'X-Gateway-Signature',
} as const;

/** A receiver refuses a timestamp further than this from its clock (replay window). */
export const callbackSignatureToleranceInSeconds = 300;

/**
 * `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: the timestamp (unix seconds) is signed with the exact
 * body bytes, so neither can be changed or replayed later without the secret. Pure.
 */
export function callbackSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

export type SignatureCheck = { valid: true } | { valid: false; reason: string };

/**
 * What a receiver does (the README shows the same in a few lines; the emulator's receiver uses this): compare
 * in constant time, and refuse a timestamp more than 5 minutes away.
 */
export function verifyCallbackSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  now: Date,
): SignatureCheck {
  const timestamp = Number(headers.timestamp);
  if (headers.timestamp === undefined || !/^\d{1,12}$/.test(headers.timestamp)) return { valid: false, reason: `missing or malformed ${callbackHeaderNames.timestamp}` };
  if (Math.abs(now.getTime() / 1000 - timestamp) > callbackSignatureToleranceInSeconds) return { valid: false, reason: 'timestamp outside the 5-minute window' };
  const expected = Buffer.from(callbackSignature(secret, timestamp, body));
  const given = Buffer.from(headers.signature ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'signature does not match' };
  return { valid: true };
}
