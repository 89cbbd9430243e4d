import fc from 'fast-check';

import { errorCodes, GatewayError } from '../../../shared/errors';
import { parseNotificationRequest, validateNotificationRequest } from '../../../shared/notifications/request/notificationRequest';
import { parseNotificationUpdate, validateNotificationUpdate } from '../../../shared/notifications/request/notificationUpdate';
import { type ValidationResult } from '../../../shared/notifications/request/validationIssue';
import { now, tenantId, validBody, validCard } from './notificationFixtures';

/** The guarantee the HTTP adapter relies on: a value, or a coded 400/413 that says what is wrong. Never a throw. */
function expectOkOrClientError(run: () => ValidationResult<unknown>): void {
  let result: ValidationResult<unknown>;
  try {
    result = run();
  } catch (thrown) {
    throw new Error(`threw instead of returning a result: ${String(thrown)}`);
  }
  if (result.ok) return;
  expect(result.error).toBeInstanceOf(GatewayError);
  expect([errorCodes.BadRequest, errorCodes.PayloadTooLarge]).toContain(result.error.code);
  expect(result.error.details.length).toBeGreaterThanOrEqual(1);
  for (const detail of result.error.details) {
    expect(typeof detail.path).toBe('string');
    expect(detail.message.length).toBeGreaterThan(0);
  }
}

const knownKey = fc.constantFrom('id', 'targets', 'message', 'sendAt', 'expiresAt', 'conversationId', 'userId', 'tenantId', 'teamId', 'channelId', 'scope', 'text', 'textFormat', 'card', 'summary', 'suggestedActions', 'type', 'version', 'body', 'actions', 'items', 'columns', 'rows', 'cells', 'url', 'fallback', '__proto__', 'constructor');
const key = fc.oneof(knownKey, fc.string({ maxLength: 6 }));
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    fc.constantFrom('AdaptiveCard', '1.5', 'TextBlock', 'Container', 'Action.ShowCard', 'imBack', 'personal', tenantId, '2025-06-01T10:00:00Z', 'plain'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));
// Bodies shaped like requests (known keys, plausible values) reach the inner validators, not just the envelope.
const requestLike = fc.record(
  {
    id: value.value,
    targets: fc.oneof(fc.array(fc.dictionary(knownKey, value.value, { maxKeys: 3 }), { maxLength: 4 }), value.value),
    message: fc.oneof(
      fc.record({ text: value.value, textFormat: value.value, card: fc.oneof(value.value, fc.constant(validCard())), summary: value.value, suggestedActions: value.value }, { requiredKeys: [] }),
      value.value,
    ),
    sendAt: value.value,
    expiresAt: value.value,
  },
  { requiredKeys: [] },
);

/** Every path into a JSON value: where a single mutation of a valid body can land. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const children = Array.isArray(value) ? value.map((child, i): [number, unknown] => [i, child]) : Object.entries(value);
  return [prefix, ...children.flatMap(([k, child]) => pathsOf(child, [...prefix, k]))];
}

function replaceAt(root: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(root) ? [...(root as unknown[])] : { ...(root as Record<string, unknown>) }) as Record<string | number, unknown>;
  copy[head!] = replaceAt(copy[head!], rest, replacement);
  return copy;
}

describe('request and update bodies never make the parser throw', () => {
  it('a valid body with one part replaced by anything → ok or a coded client error that points at it', () => {
    const body = validBody();
    const paths = pathsOf(body).filter((path) => path.length > 0);
    fc.assert(
      fc.property(fc.constantFrom(...paths), value.value, (path, replacement) => {
        const mutated = replaceAt(body, path, replacement);
        expectOkOrClientError(() => validateNotificationRequest(mutated, now));
        const result = validateNotificationRequest(mutated, now);
        // A rejection of a body that was valid but for one place names that place (or its parent, for a form or a missing field).
        if (!result.ok && result.error.code === errorCodes.BadRequest) {
          // sendAt and expiresAt are checked against each other, so a bad sendAt may be reported at expiresAt.
          const tops = path[0] === 'sendAt' ? ['sendAt', 'expiresAt'] : [String(path[0])];
          expect(result.error.details.some((detail) => tops.some((top) => detail.path.startsWith(top)))).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('any JSON value → ok or a coded client error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        expectOkOrClientError(() => validateNotificationRequest(body, now));
        expectOkOrClientError(() => validateNotificationUpdate(body));
      }),
      { numRuns: 500 },
    );
  });

  it('request-shaped values → ok or a coded client error', () => {
    fc.assert(
      fc.property(requestLike, (body) => {
        expectOkOrClientError(() => validateNotificationRequest(body, now));
        expectOkOrClientError(() => validateNotificationUpdate({ message: body.message }));
        expectOkOrClientError(() => parseNotificationRequest(JSON.stringify(body), now));
      }),
      { numRuns: 1000 },
    );
  });

  it('any string → ok or a coded client error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json()), (text) => {
        expectOkOrClientError(() => parseNotificationRequest(text, now));
        expectOkOrClientError(() => parseNotificationUpdate(text));
      }),
      { numRuns: 500 },
    );
  });

  it('deeply nested text → a 400, not a stack overflow', () => {
    const depth = 100_000;
    const text = `{"targets":[{"conversationId":"c"}],"message":{"text":"x","card":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    expectOkOrClientError(() => parseNotificationRequest(text, now));
    expect(parseNotificationRequest(text, now).ok).toBe(false);
  });
});
