import { ensureError } from '../../shared/errors';
import { type LocalHttpRequest, type LocalHttpResponse } from '../localFunctionHost/httpAdapter';

/** Control calls answer at once; installs wait for the gateway's answer to two activities. Generous, never hit in a healthy run. */
const upstreamTimeoutInMs = 20_000;

/** A JSON answer from the gateway or the emulator: `status` 0 when it could not be reached. */
export interface UpstreamJson {
  status: number;
  body: unknown;
}

/**
 * GET (or any method) with a JSON answer. Never throws: an unreachable upstream is status 0 with an error body
 * in the shared `{"error":{"code","message"}}` shape, so the page can say what is down.
 */
export async function fetchUpstreamJson(url: string, init: { method?: string; body?: string } = {}): Promise<UpstreamJson> {
  try {
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: init.body }),
      signal: AbortSignal.timeout(upstreamTimeoutInMs),
    });
    const text = await response.text();
    return { status: response.status, body: parseJsonOrText(text) };
  } catch (thrown) {
    return { status: 0, body: unreachableBody(url, thrown) };
  }
}

/**
 * Passes a browser request on to `upstreamUrl` (method, JSON body) and its answer back unchanged, or 502 when
 * the upstream cannot be reached. The console needs this for the emulator: it serves HTTPS with a CA that
 * Node trusts (NODE_EXTRA_CA_CERTS) and a browser does not.
 */
export async function forwardToUpstream(request: LocalHttpRequest, upstreamUrl: string): Promise<LocalHttpResponse> {
  const method = request.method.toUpperCase();
  const carriesBody = method !== 'GET' && method !== 'HEAD' && request.body.length > 0;
  try {
    const response = await fetch(upstreamUrl, {
      method,
      headers: { accept: 'application/json', ...(carriesBody ? { 'content-type': request.headers['content-type'] ?? 'application/json' } : {}) },
      ...(carriesBody ? { body: request.body } : {}),
      signal: AbortSignal.timeout(upstreamTimeoutInMs),
    });
    const body = Buffer.from(await response.arrayBuffer());
    return {
      status: response.status,
      headers: [
        ['content-type', response.headers.get('content-type') ?? 'application/json'],
        ['cache-control', 'no-store'],
      ],
      body,
    };
  } catch (thrown) {
    return consoleJson(502, unreachableBody(upstreamUrl, thrown));
  }
}

export function consoleJson(status: number, body: unknown): LocalHttpResponse {
  return {
    status,
    headers: [
      ['content-type', 'application/json; charset=utf-8'],
      ['cache-control', 'no-store'],
    ],
    body: Buffer.from(JSON.stringify(body)),
  };
}

export function consoleError(status: number, code: string, message: string): LocalHttpResponse {
  return consoleJson(status, { error: { code, message } });
}

function parseJsonOrText(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: { code: 'NotJson', message: text.slice(0, 500) } };
  }
}

function unreachableBody(url: string, thrown: unknown): { error: { code: string; message: string } } {
  const error = ensureError(thrown);
  // fetch hides the socket error (ECONNREFUSED, certificate problems) in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return { error: { code: 'UpstreamUnreachable', message: `${new URL(url).origin} could not be reached (${error.message}${cause})` } };
}
