import { type HttpFunctionOptions } from '@azure/functions';

import { ensureError, errorCodes } from '../../shared/errors';
import { errorBody } from '../../shared/http/errorResponse';
import { type HostLog } from './hostLog';
import { type LocalHttpRequest, type LocalHttpResponse, toHttpRequest, toLocalHttpResponse } from './httpAdapter';
import { type HttpRoute, HttpRouteTable } from './httpRouteTable';
import { newInvocationContext } from './invocationContexts';

export interface HttpDispatcherOptions {
  functions: readonly { name: string; options: HttpFunctionOptions }[];
  /** host.json `extensions.http.routePrefix`; `api` unless changed. */
  routePrefix: string;
  log: HostLog;
  /** Serves requests outside the route prefix (the console page); undefined answers 404. */
  outsidePrefix?: (request: LocalHttpRequest) => Promise<LocalHttpResponse | undefined>;
}

export interface DispatchedResponse extends LocalHttpResponse {
  /** The function that answered, when one did. */
  functionName?: string;
}

export type HttpDispatcher = (request: LocalHttpRequest) => Promise<DispatchedResponse>;

/**
 * Routes a request to the HTTP function that serves it and turns its answer into bytes: 404 for an unknown
 * path, 405 for a known path and a method it does not take, 400 for a path that is not valid
 * percent-encoding, 500 when a handler throws (a bug: handlers answer bad input with 4xx themselves).
 * Authorization levels are not checked, as with `func start`.
 */
export function createHttpDispatcher(options: HttpDispatcherOptions): HttpDispatcher {
  const table = new HttpRouteTable(options.functions);
  const prefix = `/${options.routePrefix.replace(/^\/+|\/+$/g, '')}`.replace(/^\/$/, '');
  return async (request) => {
    const pathname = new URL(request.target, request.origin).pathname;
    const below = belowPrefix(pathname, prefix);
    if (below === undefined) {
      const outside = await options.outsidePrefix?.(request);
      return outside ?? notFound(request.method, pathname, prefix, table);
    }
    const resolution = table.resolve(request.method, below);
    switch (resolution.kind) {
      case 'notFound':
        return notFound(request.method, pathname, prefix, table);
      case 'badEncoding':
        return json(400, errorBody(errorCodes.BadRequest, 'The request path is not valid percent-encoding.', [{ path: 'path', message: 'percent-encode route values as UTF-8' }]));
      case 'methodNotAllowed':
        return {
          ...json(405, errorBody(errorCodes.MethodNotAllowed, `${request.method} is not allowed on ${pathname}; allowed: ${resolution.allowed.join(', ')}.`)),
          headers: [...jsonHeaders, ['allow', resolution.allowed.join(', ')]],
        };
      case 'found':
        return { ...(await invoke(resolution.route, resolution.params, request, options.log)), functionName: resolution.route.functionName };
    }
  };
}

async function invoke(route: HttpRoute, params: Record<string, string>, request: LocalHttpRequest, log: HostLog): Promise<LocalHttpResponse> {
  const context = newInvocationContext({
    functionName: route.functionName,
    trigger: { type: 'httpTrigger', name: 'request', authLevel: route.options.authLevel ?? 'anonymous', methods: route.methods, route: route.template.text },
    log,
  });
  try {
    const result: unknown = await route.options.handler(toHttpRequest(request, params), context);
    return await toLocalHttpResponse(result);
  } catch (thrown) {
    const error = ensureError(thrown);
    log.write('error', `  [${route.functionName}] error: the handler threw (a bug; bad input should get a 4xx): ${error.stack ?? error.message}`);
    return json(500, errorBody(errorCodes.Internal, 'The gateway failed to handle this request.'));
  }
}

/** The path below the prefix, or undefined when the path is not under it (prefix match is case-insensitive, as in ASP.NET). */
function belowPrefix(pathname: string, prefix: string): string | undefined {
  if (prefix === '') return pathname;
  const lower = pathname.toLowerCase();
  const wanted = prefix.toLowerCase();
  if (lower === wanted) return '';
  return lower.startsWith(`${wanted}/`) ? pathname.slice(prefix.length + 1) : undefined;
}

function notFound(method: string, pathname: string, prefix: string, table: HttpRouteTable): LocalHttpResponse {
  const known = table.routes.map((route) => `${route.methods.join('|')} ${prefix}/${route.template.text}`).join(', ');
  return json(404, errorBody(errorCodes.NotFound, `No function serves ${method} ${pathname}.`, [{ path: 'path', message: `routes here: ${known}` }]));
}

const jsonHeaders: readonly (readonly [string, string])[] = [
  ['content-type', 'application/json'],
  ['cache-control', 'no-store'],
];

function json(status: number, body: unknown): LocalHttpResponse {
  return { status, headers: jsonHeaders, body: Buffer.from(JSON.stringify(body)) };
}
