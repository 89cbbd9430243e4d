import { type IncomingExchange, type Reply } from './httpExchange';

export type RouteParams = Record<string, string>;
export type RouteHandler = (exchange: IncomingExchange, params: RouteParams) => Reply | Promise<Reply>;

type TemplatePart = { literal: string } | { param: string };

interface Route {
  method: string;
  /** For stats and errors: `/{region}/v3/conversations/{conversationId}/activities`. */
  template: string;
  parts: TemplatePart[];
  handle: RouteHandler;
}

export type RouteMatch = { route: Route; params: RouteParams } | { methodNotAllowed: true; template: string };

/**
 * Matches decoded path segments against templates (`{name}` is one whole segment, so an id holding an encoded
 * `/` stays one parameter). Literals match case-insensitively, as the Connector's ASP.NET routing does; routes
 * are tried in the order added. Hand-written: ~40 lines against a routing dependency for a dev tool.
 */
export class EmulatorRouter {
  private readonly routes: Route[] = [];

  add(method: string, template: string, handle: RouteHandler): this {
    const parts = template
      .split('/')
      .filter((s) => s !== '')
      .map((s): TemplatePart => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s.toLowerCase() }));
    this.routes.push({ method, template, parts, handle });
    return this;
  }

  match(method: string, segments: readonly string[]): RouteMatch | undefined {
    let sameShape: Route | undefined;
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (params === undefined) continue;
      if (route.method === method) return { route, params };
      sameShape ??= route;
    }
    return sameShape === undefined ? undefined : { methodNotAllowed: true, template: sameShape.template };
  }
}

function matchParts(parts: readonly TemplatePart[], segments: readonly string[]): RouteParams | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: RouteParams = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as TemplatePart;
    const segment = segments[i] as string;
    if ('literal' in part) {
      if (segment.toLowerCase() !== part.literal) return undefined;
    } else {
      params[part.param] = segment;
    }
  }
  return params;
}
