import { errorCodes } from '../../shared/errors';
import { errorBody } from '../../shared/http/errorResponse';
import { type LocalHttpResponse } from './httpAdapter';

/** Who may address the local host: the `host[:port]` names it answers to and the origins whose pages may write. */
export interface LocalAuthority {
  hosts: ReadonlySet<string>;
  origins: ReadonlySet<string>;
}

/**
 * The loopback names of the port it listens on (127.0.0.1, localhost, [::1]) plus, when set, the host of
 * PublicBaseUrl (a tunnel forwarding to this machine). Anything else in a Host header is a browser that was
 * pointed at 127.0.0.1 under another name (DNS rebinding) and must not reach an API without keys.
 */
export function localAuthority(port: number, publicBaseUrl?: string): LocalAuthority {
  const origins = ['127.0.0.1', 'localhost', '[::1]'].map((name) => `http://${name}:${port}`);
  if (publicBaseUrl !== undefined) origins.push(new URL(publicBaseUrl).origin);
  return { hosts: new Set(origins.map((origin) => new URL(origin).host)), origins: new Set(origins) };
}

const readingMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Checked before a byte of the body is read: 421 for a Host the local host does not answer to, 403 for a
 * write from a page of another origin (a browser sends `Origin` with every cross-origin POST, PATCH and
 * DELETE; the console's own page sends its own origin, scripts and services send none).
 */
export function refuseForeignRequest(request: { method: string; headers: Readonly<Record<string, string | undefined>> }, authority: LocalAuthority): LocalHttpResponse | undefined {
  const host = request.headers.host?.toLowerCase();
  if (host === undefined || !authority.hosts.has(host)) {
    const allowed = [...authority.hosts].join(', ');
    return json(421, errorBody(errorCodes.MisdirectedRequest, 'This local host answers only to its own names.', [{ path: 'host', message: `"${(host ?? '').slice(0, 200)}" is not one of ${allowed}` }]));
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !readingMethods.has(request.method.toUpperCase()) && !authority.origins.has(origin.toLowerCase())) {
    return json(403, errorBody(errorCodes.ForbiddenOrigin, 'Changes are not accepted from a web page of another origin.', [{ path: 'origin', message: `"${origin.slice(0, 200)}" is not this host's origin` }]));
  }
  return undefined;
}

function json(status: number, body: unknown): LocalHttpResponse {
  return { status, headers: [['content-type', 'application/json'], ['cache-control', 'no-store']], body: Buffer.from(JSON.stringify(body)) };
}
