import { type LocalHttpRequest, type LocalHttpResponse } from '../localFunctionHost/httpAdapter';
import { readAdaptiveCardsBundle, readConsoleAsset } from './consoleAssets';
import { type ConsoleDependencies } from './consoleDependencies';
import { parseSnapshotQuery, readConsoleSnapshot } from './consoleSnapshot';
import { consoleError, consoleJson, forwardToUpstream } from './upstreamRequests';

/**
 * Changes made through the console must come from the page itself: the header forces a CORS preflight, so
 * another web site open in the same browser cannot reset the emulator or send notifications through the proxy.
 */
export const consoleActionHeader = 'x-console-action';

/** `/` and everything under `/console`: the console's, not the gateway's. */
export function isConsolePath(pathname: string): boolean {
  return pathname === '/' || pathname === '/console' || pathname.startsWith('/console/');
}

/**
 * The console as the local host's `outsidePrefix` hook: the page at `/`, its files under `/console/`, and its
 * JSON under `/console/api/` (one snapshot per poll; proxies to the emulator's `/_control` and the gateway's
 * `/api`). Undefined for any other path, so the host answers it as before.
 */
export function consoleRoutes(deps: ConsoleDependencies): (request: LocalHttpRequest) => Promise<LocalHttpResponse | undefined> {
  return async (request) => consoleResponse(request, deps);
}

export async function consoleResponse(request: LocalHttpRequest, deps: ConsoleDependencies): Promise<LocalHttpResponse | undefined> {
  const url = new URL(request.target, 'http://console.invalid');
  const pathname = url.pathname;
  if (!isConsolePath(pathname)) return undefined;
  const method = request.method.toUpperCase();
  const reading = method === 'GET' || method === 'HEAD';

  if (pathname.startsWith('/console/api/')) {
    if (!reading && request.headers[consoleActionHeader] === undefined) {
      return consoleError(403, 'Forbidden', `Changes through the console need the ${consoleActionHeader} header (sent by the console page).`);
    }
    return apiResponse(request, pathname.slice('/console/api/'.length), url, deps);
  }
  if (!reading) return consoleError(405, 'MethodNotAllowed', `${method} is not allowed on ${pathname}; the console's files are read with GET.`);
  if (pathname === '/' || pathname === '/console' || pathname === '/console/') return (await readConsoleAsset('index.html')) ?? notFound(pathname);
  if (pathname === '/console/vendor/adaptivecards.js') return (await readAdaptiveCardsBundle()) ?? notFound(pathname);
  return (await readConsoleAsset(pathname.slice('/console/'.length))) ?? notFound(pathname);
}

async function apiResponse(request: LocalHttpRequest, route: string, url: URL, deps: ConsoleDependencies): Promise<LocalHttpResponse> {
  if (route === 'snapshot') {
    return request.method.toUpperCase() === 'GET' ? consoleJson(200, await readConsoleSnapshot(parseSnapshotQuery(url.searchParams), deps)) : methodNotAllowed(url.pathname);
  }
  if (route === 'emulator' || route.startsWith('emulator/')) {
    if (deps.emulatorUrl === undefined) {
      return consoleError(503, 'EmulatorNotRunning', 'No Teams emulator runs: the local host uses real bot settings, so the Teams side is real Teams.');
    }
    return forwardWithin(request, deps.emulatorUrl, '/_control', route.slice('emulator'.length), url.search);
  }
  if (route.startsWith('gateway/')) return forwardWithin(request, deps.gatewayUrl, '/api', route.slice('gateway'.length), url.search);
  return notFound(url.pathname);
}

/**
 * Forwards below `base` of `origin`, path segments kept as encoded (conversation ids are encoded once). The
 * resolved URL must stay below `base`: `..` segments cannot reach the Connector API or anything else.
 */
async function forwardWithin(request: LocalHttpRequest, origin: string, base: string, rest: string, search: string): Promise<LocalHttpResponse> {
  const upstream = new URL(`${origin.replace(/\/+$/, '')}${base}${rest}${search}`);
  if (upstream.pathname !== base && !upstream.pathname.startsWith(`${base}/`)) {
    return consoleError(400, 'BadRequest', `The console forwards only below ${base}.`);
  }
  return forwardToUpstream(request, upstream.toString());
}

function notFound(pathname: string): LocalHttpResponse {
  return consoleError(404, 'NotFound', `The console has nothing at ${pathname}.`);
}

function methodNotAllowed(pathname: string): LocalHttpResponse {
  return consoleError(405, 'MethodNotAllowed', `Only GET is allowed on ${pathname}.`);
}
