import { type HttpFunctionOptions, type HttpMethod } from '@azure/functions';

import { matchRouteTemplate, parseRouteTemplate, type RouteTemplate, templatePrecedence } from './routeTemplate';

/** What the Functions host assumes when a definition names no methods. */
const defaultMethods: readonly HttpMethod[] = ['GET', 'POST'];

export interface HttpRoute {
  functionName: string;
  options: HttpFunctionOptions;
  template: RouteTemplate;
  methods: readonly string[];
  precedence: readonly number[];
}

export type RouteResolution =
  | { kind: 'found'; route: HttpRoute; params: Record<string, string> }
  | { kind: 'notFound' }
  | { kind: 'methodNotAllowed'; allowed: readonly string[] }
  | { kind: 'badEncoding' };

/**
 * The HTTP functions' routes under the route prefix, resolved the way the Functions host does: by path first
 * (most specific template wins), then by method, so a known path with the wrong method is a 405, not a 404.
 */
export class HttpRouteTable {
  readonly routes: readonly HttpRoute[];

  constructor(functions: readonly { name: string; options: HttpFunctionOptions }[]) {
    this.routes = functions
      .map(({ name, options }) => {
        // As in Azure: a definition without a route is served at its function name.
        const template = parseRouteTemplate(options.route ?? name);
        const methods = (options.methods ?? defaultMethods).map((method) => method.toUpperCase());
        return { functionName: name, options, template, methods, precedence: templatePrecedence(template) };
      })
      .sort((a, b) => comparePrecedence(a.precedence, b.precedence));
  }

  /** `encodedPath` is the request path below the prefix, not yet percent-decoded. */
  resolve(method: string, encodedPath: string): RouteResolution {
    const wanted = method.toUpperCase();
    const allowed = new Set<string>();
    let pathMatched = false;
    for (const route of this.routes) {
      const match = matchRouteTemplate(route.template, encodedPath);
      if (match === 'badEncoding') return { kind: 'badEncoding' };
      if (match === 'noMatch') continue;
      pathMatched = true;
      if (route.methods.includes(wanted)) return { kind: 'found', route, params: match.params };
      for (const allowedMethod of route.methods) allowed.add(allowedMethod);
    }
    return pathMatched ? { kind: 'methodNotAllowed', allowed: [...allowed] } : { kind: 'notFound' };
  }
}

function comparePrecedence(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}
