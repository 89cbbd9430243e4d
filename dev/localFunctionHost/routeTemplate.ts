/**
 * A Functions HTTP route template (`notifications/{id}`) as the Functions host reads it: literal segments match
 * case-insensitively; `{name}` one segment, `{name?}` an optional last segment, `{*name}` the rest of the path;
 * constraints and defaults (`{id:int}`, `{id=1}`) are accepted and not enforced. Route values are
 * percent-decoded exactly once.
 */
export type TemplateSegment =
  | { kind: 'literal'; text: string }
  | { kind: 'parameter'; name: string; optional: boolean }
  | { kind: 'catchAll'; name: string };

export interface RouteTemplate {
  text: string;
  segments: readonly TemplateSegment[];
}

export type TemplateMatch = { params: Record<string, string> } | 'noMatch' | 'badEncoding';

export function parseRouteTemplate(text: string): RouteTemplate {
  const trimmed = text.replace(/^\/+|\/+$/g, '');
  const segments = trimmed === '' ? [] : trimmed.split('/').map(parseSegment);
  return { text: trimmed, segments };
}

function parseSegment(segment: string): TemplateSegment {
  const parameter = /^\{(\*{1,2})?([A-Za-z_][\w]*)(?::[^}=?]*)*(?:=[^}?]*)?(\?)?\}$/.exec(segment);
  if (parameter === null) return { kind: 'literal', text: segment.toLowerCase() };
  const name = parameter[2] ?? '';
  if (parameter[1] !== undefined) return { kind: 'catchAll', name };
  return { kind: 'parameter', name, optional: parameter[3] === '?' };
}

/**
 * Matches the still-encoded path below the route prefix (`conversations/a%3A1%2Fx`), split on `/` before any
 * decoding so an encoded `/` stays inside its route value.
 */
export function matchRouteTemplate(template: RouteTemplate, encodedPath: string): TemplateMatch {
  const trimmed = encodedPath.replace(/^\/+/, '').replace(/\/$/, '');
  const parts = trimmed === '' ? [] : trimmed.split('/');
  const params: Record<string, string> = {};
  for (const [index, segment] of template.segments.entries()) {
    if (segment.kind === 'catchAll') {
      const rest = decode(parts.slice(index).join('/'));
      if (rest === undefined) return 'badEncoding';
      if (rest !== '') params[segment.name] = rest;
      return { params };
    }
    const part = parts[index];
    if (part === undefined) {
      if (segment.kind === 'parameter' && segment.optional) continue;
      return 'noMatch';
    }
    const decoded = decode(part);
    if (decoded === undefined) return 'badEncoding';
    if (segment.kind === 'literal') {
      if (decoded.toLowerCase() !== segment.text) return 'noMatch';
    } else {
      if (decoded === '') return 'noMatch';
      params[segment.name] = decoded;
    }
  }
  return parts.length > template.segments.length ? 'noMatch' : { params };
}

/**
 * Precedence when several templates match a path, as ASP.NET routing orders them: segment by segment, a literal
 * beats a parameter, which beats an optional parameter, which beats a catch-all. Lower sorts first.
 */
export function templatePrecedence(template: RouteTemplate): number[] {
  const rank: Record<TemplateSegment['kind'], number> = { literal: 0, parameter: 1, catchAll: 3 };
  return template.segments.map((segment) => (segment.kind === 'parameter' && segment.optional ? 2 : rank[segment.kind]));
}

function decode(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}
