/** A location inside a JSON document, as the segments a parser walks: keys and array indexes. */
export type JsonPathSegments = readonly (string | number)[];

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * `['targets', 2, 'tenantId']` → `targets[2].tenantId`; the empty path (the body itself) → `''`. Keys that
 * are not identifiers are quoted (`card["my key"]`) so every path reads back unambiguously.
 */
export function formatJsonPath(segments: JsonPathSegments): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (identifier.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}
