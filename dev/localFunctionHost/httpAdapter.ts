import { type Cookie, HttpRequest, HttpResponse, type HttpResponseInit } from '@azure/functions';

/** A request as the local host received it, before any function sees it (no sockets: testable as data). */
export interface LocalHttpRequest {
  method: string;
  /** Origin the client addressed, e.g. `http://127.0.0.1:7071`. */
  origin: string;
  /** Request target as received: encoded path and query. */
  target: string;
  /** Lower-case names; repeated headers already joined. */
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

/** What goes back on the wire. `headers` may repeat a name (Set-Cookie). */
export interface LocalHttpResponse {
  status: number;
  headers: readonly (readonly [string, string])[];
  body: Buffer;
}

/**
 * The `HttpRequest` an Azure Functions handler gets, built through the library's public constructor like the
 * worker builds it: the URL as the client sent it (encoded), headers, the query read from that URL (so repeated
 * keys survive), route values already decoded once, and the body bytes (none for GET/HEAD, as in Azure).
 */
export function toHttpRequest(request: LocalHttpRequest, params: Readonly<Record<string, string>>): HttpRequest {
  const method = request.method.toUpperCase();
  const carriesBody = method !== 'GET' && method !== 'HEAD' && request.body.length > 0;
  return new HttpRequest({
    method,
    url: new URL(request.target, request.origin).toString(),
    headers: { ...request.headers },
    params: { ...params },
    ...(carriesBody ? { body: { bytes: request.body } } : {}),
  });
}

/**
 * A handler's result (an `HttpResponseInit`, an `HttpResponse`, or nothing) as the bytes Azure would send:
 * through the library's own `HttpResponse`, so `jsonBody`, default status 200, content types and null-body
 * statuses behave as in the worker.
 */
export async function toLocalHttpResponse(result: unknown): Promise<LocalHttpResponse> {
  const response = result instanceof HttpResponse ? result : new HttpResponse(isResponseInit(result) ? result : {});
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers.push([name, value]);
  });
  for (const cookie of response.headers.getSetCookie()) headers.push(['set-cookie', cookie]);
  for (const cookie of response.cookies) headers.push(['set-cookie', serializeCookie(cookie)]);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers, body };
}

function isResponseInit(value: unknown): value is HttpResponseInit {
  return typeof value === 'object' && value !== null;
}

/** `HttpResponseInit.cookies` as Set-Cookie values (RFC 6265 attribute names, as the Functions host writes them). */
export function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain !== undefined) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path !== undefined) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure === true) parts.push('Secure');
  if (cookie.httpOnly === true) parts.push('HttpOnly');
  if (cookie.sameSite !== undefined) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}
