import { createHash } from 'node:crypto';

/**
 * Continuation tokens the gateway hands out: a small JSON object as base64url, opaque to callers (they pass it
 * back unchanged) and safe in a query string. Decoding never throws; the caller checks the fields it wrote.
 */
export function encodeOpaqueToken(fields: Record<string, string>): string {
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

/** The token's fields, or undefined when it is not a token the gateway could have made. */
export function decodeOpaqueToken(token: string): Record<string, unknown> | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded) ? (decoded as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A short digest of the query a token belongs to: written into the token, so a token replayed on another query is refused. */
export function queryFingerprint(query: string): string {
  return createHash('sha256').update(query, 'utf8').digest('base64url').slice(0, 16);
}
