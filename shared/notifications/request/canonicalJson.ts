import { errorCodes, GatewayError } from '../../errors';

/**
 * RFC 8785 (JSON Canonicalization Scheme) for the values a parsed request holds: objects with keys sorted by
 * UTF-16 code units, no whitespace, strings and numbers as ECMAScript's JSON.stringify writes them — which
 * is exactly how JCS defines them, so only the key order needs code here. Keys whose value is undefined
 * are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new GatewayError(errorCodes.Internal, `canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item: unknown) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, child]) => child !== undefined)
      // Default sort compares UTF-16 code units, the order RFC 8785 prescribes.
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(',')}}`;
  }
  throw new GatewayError(errorCodes.Internal, `canonicalJson: a ${typeof value} has no JSON form`);
}
