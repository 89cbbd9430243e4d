import { type JsonPathSegments } from './jsonPath';
import { badRequest, type ValidationIssue, type ValidationResult } from './validationIssue';

/**
 * Deepest nesting a body may have. A real notification is a few levels plus its card (Teams cards nest
 * containers a handful deep); the cap keeps every recursive walk after parsing (card validation,
 * canonical JSON, size measuring) far from the stack limit whatever a caller sends.
 */
export const maxJsonDepth = 64;

/** HTTP body text → a JSON value, or a 400 that says the text is not JSON (and where it broke). */
export function parseJsonBody(text: string, what: string): ValidationResult<unknown> {
  if (text.trim() === '') {
    return { ok: false, error: badRequest(`The ${what} body is empty`, [{ path: [], message: 'Expected a JSON object; the body is empty' }]) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (thrown) {
    // JSON.parse only throws SyntaxError, whose message names the position ("Unexpected token } in JSON at position 12").
    const reason = thrown instanceof Error ? thrown.message : 'unparseable';
    return { ok: false, error: badRequest(`The ${what} body is not valid JSON`, [{ path: [], message: `Not valid JSON: ${reason}` }]) };
  }
  const tooDeep = findTooDeep(value);
  if (tooDeep !== undefined) {
    return { ok: false, error: badRequest(`The ${what} body is nested too deeply`, [tooDeep]) };
  }
  return { ok: true, value };
}

/** Iterative (the point is to not recurse into an unchecked value): the first place deeper than maxJsonDepth. */
function findTooDeep(root: unknown): ValidationIssue | undefined {
  const stack: { value: unknown; depth: number; path: JsonPathSegments }[] = [{ value: root, depth: 0, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth, path } = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxJsonDepth) return { path, message: `Nested deeper than ${maxJsonDepth} levels` };
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((child, index): [number, unknown] => [index, child]) : Object.entries(value);
    for (const [key, child] of entries) stack.push({ value: child, depth: depth + 1, path: [...path, key] });
  }
  return undefined;
}
