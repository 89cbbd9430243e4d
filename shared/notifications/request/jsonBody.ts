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

/**
 * Iterative (the point is to not recurse into an unchecked value) and linear: each node is visited once and
 * remembers only its parent and key, so no path is copied per node; the path is built for the one place reported.
 */
function findTooDeep(root: unknown): ValidationIssue | undefined {
  interface Node {
    value: unknown;
    depth: number;
    parent: Node | undefined;
    key: string | number;
  }
  const stack: Node[] = [{ value: root, depth: 0, parent: undefined, key: '' }];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const { value, depth } = node;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxJsonDepth) return { path: pathOf(node), message: `Nested deeper than ${maxJsonDepth} levels` };
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1) {
        const child: unknown = value[index];
        if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1, parent: node, key: index });
      }
    } else {
      for (const key in value) {
        const child: unknown = (value as Record<string, unknown>)[key];
        if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1, parent: node, key });
      }
    }
  }
  return undefined;

  function pathOf(node: { parent: Node | undefined; key: string | number }): JsonPathSegments {
    const segments: (string | number)[] = [];
    for (let at: typeof node | undefined = node; at?.parent !== undefined; at = at.parent) segments.push(at.key);
    return segments.reverse();
  }
}
