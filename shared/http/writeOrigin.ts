import { errorCodes, GatewayError } from '../errors';

const readingMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Browsers send `Origin` with every cross-origin write, and the gateway's callers are services, which send
 * none: a write whose Origin is not the gateway's own (the request URL's origin or PublicBaseUrl's) is a page
 * of another site acting through a user's browser, and is refused. `Origin: null` (sandboxed pages, some
 * redirects) is never the gateway's own.
 */
export function checkWriteOrigin(request: { method: string; url: string; headers: Headers }, publicBaseUrl?: string): GatewayError | undefined {
  if (readingMethods.has(request.method.toUpperCase())) return undefined;
  const origin = request.headers.get('origin');
  if (origin === null) return undefined;
  const own = [new URL(request.url).origin, ...(publicBaseUrl === undefined ? [] : [new URL(publicBaseUrl).origin])];
  if (own.includes(origin.trim().toLowerCase())) return undefined;
  return new GatewayError(errorCodes.ForbiddenOrigin, 'Changes are not accepted from a web page of another origin.', [
    { path: 'origin', message: `"${origin.slice(0, 200)}" is not this gateway's origin` },
  ]);
}
