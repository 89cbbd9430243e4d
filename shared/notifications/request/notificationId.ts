import { randomBytes } from 'node:crypto';

import { errorCodes, GatewayError } from '../../errors';

/**
 * A notification id, given by the caller (its idempotency key) or made here. It becomes a Table key and a
 * URL path segment, so: 1–128 of A–Z a–z 0–9 . _ -, starting with a letter or digit (no ".." segment, none
 * of the characters Table keys forbid: / \ # ?).
 */
export const notificationIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isNotificationId(value: string): boolean {
  return notificationIdPattern.test(value);
}

// Crockford's base32: no I, L, O, U, so an id survives being read aloud or retyped.
const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const maxTime = 2 ** 48 - 1;

/**
 * A new id in the ULID layout: 10 characters of milliseconds since the epoch, then 16 of randomness (80 bits).
 * Ids sort by creation time, which keeps a listing of notifications in order. Node's crypto has UUIDs but no
 * time-ordered id; the layout is small enough to write here rather than take a dependency for.
 */
export function newNotificationId(now: Date, random: (size: number) => Uint8Array = randomBytes): string {
  const time = now.getTime();
  if (!Number.isInteger(time) || time < 0 || time > maxTime) {
    throw new GatewayError(errorCodes.Internal, `newNotificationId: ${now.toString()} is outside the id's time range`);
  }
  let timePart = '';
  for (let rest = time, i = 0; i < 10; i++, rest = Math.floor(rest / 32)) timePart = crockford.charAt(rest % 32) + timePart;
  const bytes = random(10);
  let bits = 0n;
  for (const byte of bytes.subarray(0, 10)) bits = (bits << 8n) | BigInt(byte);
  let randomPart = '';
  for (let i = 0; i < 16; i++, bits >>= 5n) randomPart = crockford.charAt(Number(bits & 31n)) + randomPart;
  return timePart + randomPart;
}
