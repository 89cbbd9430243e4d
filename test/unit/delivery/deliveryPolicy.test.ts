import fc from 'fast-check';

import { type ConnectorOutcome } from '../../../shared/connector/connectorOutcome';
import { decideDelivery, type DeliveryDecision, type DeliveryDecisionInput } from '../../../shared/delivery/deliveryPolicy';
import { classifyDeadLetter } from '../../../shared/delivery/failureClassification';
import { type DeliveryMessage } from '../../../shared/queue/deliveryMessage';

const now = new Date('2026-03-10T12:00:00.000Z');
const publicUrl = 'https://smba.trafficmanager.net/amer/';
const gccUrl = 'https://smba.infra.gcc.teams.microsoft.com/';
const settings = { maxAttempts: 8, backoffBaseInMs: 1_000, backoffMaxInMs: 300_000 };

function message(overrides: Partial<DeliveryMessage> = {}): DeliveryMessage {
  return {
    version: 1,
    notificationId: 'n-1',
    operation: 'send',
    conversationId: 'a:1xyz;messageid=1',
    attempt: 1,
    revision: 0,
    activity: { type: 'message', text: 'deploy finished' },
    ...overrides,
  };
}

function decide(outcome: ConnectorOutcome, overrides: Partial<DeliveryDecisionInput> = {}): DeliveryDecision {
  return decideDelivery({
    message: message(),
    connectorAttempt: { outcome, freshTokenRetried: false },
    now,
    settings,
    random: () => 1,
    gccServiceUrl: gccUrl,
    serviceUrlUsed: publicUrl,
    ...overrides,
  });
}

const http = (status: number, code?: string, extra: Partial<Extract<ConnectorOutcome, { kind: 'httpError' }>> = {}): ConnectorOutcome => ({
  kind: 'httpError',
  status,
  ...(code === undefined ? {} : { code }),
  message: `message for ${status}`,
  ...extra,
});

function expectKind<K extends DeliveryDecision['kind']>(decision: DeliveryDecision, kind: K): Extract<DeliveryDecision, { kind: K }> {
  expect(decision.kind).toBe(kind);
  return decision as Extract<DeliveryDecision, { kind: K }>;
}

describe('decideDelivery: success', () => {
  it('is delivered with Teams activity id', () => {
    expect(decide({ kind: 'success', status: 201, id: '1767000000000' })).toEqual({ kind: 'delivered', activityId: '1767000000000', httpStatus: 201 });
  });

  it('is delivered without an id when Teams returns none', () => {
    expect(decide({ kind: 'success', status: 200 })).toEqual({ kind: 'delivered', activityId: undefined, httpStatus: 200 });
  });

  it('is delivered even past expiresAt and at the last attempt: the message is there', () => {
    const decision = decide({ kind: 'success', status: 201, id: 'a' }, { message: message({ attempt: 8, expiresAt: '2026-03-10T11:00:00Z' }) });
    expect(decision.kind).toBe('delivered');
  });
});

describe('decideDelivery: every Teams status and error code', () => {
  // [status, code, expected kind, expected reason, expected class once dead-lettered (or '-')]
  const table: [number, string | undefined, DeliveryDecision['kind'], string, string][] = [
    [400, 'BadArgument', 'deadLetter', 'BadArgument', 'rejected'],
    [400, 'Bad Argument', 'deadLetter', 'BadArgument', 'rejected'],
    [401, 'BotNotRegistered', 'deadLetter', 'BotNotRegistered', 'misconfigured'],
    [401, undefined, 'retry', 'Http401', '-'],
    [401, 'Unauthorized', 'retry', 'Http401', '-'],
    [403, 'BotDisabledByAdmin', 'deadLetter', 'BotDisabledByAdmin', 'gone'],
    [403, 'BotNotInConversationRoster', 'deadLetter', 'BotNotInConversationRoster', 'gone'],
    [403, 'ConversationBlockedByUser', 'deadLetter', 'ConversationBlockedByUser', 'gone'],
    [403, 'ForbiddenOperationException', 'deadLetter', 'ForbiddenOperationException', 'gone'],
    [403, 'InvalidBotApiHost', 'retry', 'InvalidBotApiHost', '-'],
    [403, 'NotEnoughPermissions', 'deadLetter', 'NotEnoughPermissions', 'misconfigured'],
    [403, undefined, 'deadLetter', 'Http403', 'rejected'],
    [404, 'ActivityNotFoundInConversation', 'deadLetter', 'ActivityNotFoundInConversation', 'rejected'],
    [404, 'ConversationNotFound', 'deadLetter', 'ConversationNotFound', 'gone'],
    [412, 'PreconditionFailed', 'retry', 'PreconditionFailed', '-'],
    [413, 'MessageSizeTooBig', 'deadLetter', 'MessageSizeTooBig', 'rejected'],
    [429, 'Throttled', 'retry', 'Throttled', '-'],
    [500, 'ServiceError', 'deadLetter', 'ServiceError', 'teamsFault'],
    [500, undefined, 'deadLetter', 'Http500', 'teamsFault'],
    [501, undefined, 'deadLetter', 'Http501', 'teamsFault'],
    [502, 'ServiceError', 'retry', 'ServiceError', '-'],
    [503, undefined, 'retry', 'Http503', '-'],
    [503, 'ServiceUnavailable', 'retry', 'ServiceUnavailable', '-'],
    [504, undefined, 'retry', 'Http504', '-'],
    [400, 'SomethingNew', 'deadLetter', 'SomethingNew', 'rejected'],
  ];

  it.each(table)('HTTP %i %s → %s %s (class %s)', (status, code, kind, reason, failureClass) => {
    const decision = decide(http(status, code));
    expect(decision.kind).toBe(kind);
    if (decision.kind === 'delivered') throw new Error('unexpected');
    expect(decision.reason).toBe(reason);
    if (decision.kind === 'deadLetter') {
      expect(decision.httpStatus).toBe(status);
      expect(decision.description).toContain(`HTTP ${status}`);
      expect(decision.description).toContain(`message for ${status}`);
      expect(decision.description).toContain('attempt 1 of 8');
      expect(classifyDeadLetter({ deadLetterReason: decision.reason, deadLetterErrorDescription: decision.description }).failureClass).toBe(failureClass);
    }
  });

  it('retries exactly 401, 412, 429, 502, 503, 504 (and nothing else) when Teams sends no code', () => {
    const retried: number[] = [];
    for (let status = 300; status <= 599; status++) {
      const decision = decide(http(status));
      if (decision.kind === 'retry') retried.push(status);
      else expect(expectKind(decision, 'deadLetter').reason).toBe(`Http${status}`);
    }
    expect(retried).toEqual([401, 412, 429, 502, 503, 504]);
  });

  it('recognises a roster removal sent with a generic code by its message', () => {
    const decision = decide(http(403, 'Forbidden', { message: 'The bot is not part of the conversation roster.' }));
    expect(expectKind(decision, 'deadLetter').reason).toBe('BotNotInConversationRoster');
  });

  it('treats a delete of a message Teams no longer has as done', () => {
    const decision = decide(http(404, 'ActivityNotFoundInConversation'), { message: message({ operation: 'delete' }) });
    expect(decision).toEqual({ kind: 'delivered', activityId: undefined, httpStatus: 404 });
  });

  it('fails an update of a message Teams no longer has', () => {
    const decision = decide(http(404, 'ActivityNotFoundInConversation'), { message: message({ operation: 'update' }) });
    expect(expectKind(decision, 'deadLetter').reason).toBe('ActivityNotFoundInConversation');
  });

  it('still fails a delete whose conversation is gone', () => {
    const decision = decide(http(404, 'ConversationNotFound'), { message: message({ operation: 'delete' }) });
    expect(expectKind(decision, 'deadLetter').reason).toBe('ConversationNotFound');
  });

  it('keeps a huge Teams message out of the description', () => {
    const decision = expectKind(decide(http(400, 'BadArgument', { message: 'x'.repeat(100_000) })), 'deadLetter');
    expect(decision.description.length).toBeLessThanOrEqual(1024);
    expect(decision.description.startsWith('HTTP 400 BadArgument: xxx')).toBe(true);
    expect(decision.description).toContain('attempt 1 of 8');
  });
});

describe('decideDelivery: failures without an HTTP answer', () => {
  const transient: [ConnectorOutcome, string][] = [
    [{ kind: 'timeout', timeoutInMs: 20_000 }, 'Timeout'],
    [{ kind: 'networkError', code: 'ECONNRESET', message: 'socket hang up' }, 'ECONNRESET'],
    [{ kind: 'networkError', code: 'ECONNREFUSED', message: 'refused' }, 'ECONNREFUSED'],
    [{ kind: 'networkError', code: 'ENOTFOUND', message: 'dns' }, 'ENOTFOUND'],
    [{ kind: 'networkError', code: '', message: 'odd' }, 'NetworkError'],
    [{ kind: 'tokenError', code: 'temporarily_unavailable', message: 'AADSTS50196' }, 'temporarily_unavailable'],
    [{ kind: 'tokenError', code: 'CredentialUnavailableError', message: 'IMDS down' }, 'CredentialUnavailableError'],
  ];

  it.each(transient)('%j backs off as %s', (outcome, reason) => {
    const decision = expectKind(decide(outcome), 'retry');
    expect(decision.reason).toBe(reason);
    expect(decision.delayInMs).toBe(1_000);
    expect(decision.throttleCoolDownInMs).toBeUndefined();
  });

  it.each([['invalid_client'], ['INVALID_CLIENT'], ['unauthorized_client'], ['invalid_scope'], ['invalid_grant'], ['invalid_request']])(
    'token error %s is misconfiguration: final',
    (code) => {
      const decision = expectKind(decide({ kind: 'tokenError', code, message: 'AADSTS7000215: Invalid client secret.' }), 'deadLetter');
      expect(decision.reason).toBe(code.toLowerCase());
      expect(decision.description).toContain('AADSTS7000215');
      expect(decision.httpStatus).toBeUndefined();
      expect(classifyDeadLetter({ deadLetterReason: decision.reason, deadLetterErrorDescription: decision.description }).failureClass).toBe('misconfigured');
    },
  );

  it('never calls an untrusted host again', () => {
    const decision = expectKind(decide({ kind: 'untrustedServiceUrl', serviceUrl: 'https://smba.trafficmanager.net.evil.example/' }), 'deadLetter');
    expect(decision.reason).toBe('UntrustedServiceUrl');
    expect(decision.description).toContain('smba.trafficmanager.net.evil.example');
  });
});

describe('decideDelivery: 401', () => {
  it('backs off after the fresh-token retry and says so', () => {
    const decision = expectKind(decide(http(401), { connectorAttempt: { outcome: http(401), freshTokenRetried: true } }), 'retry');
    expect(decision.description).toContain('after a retry with a fresh token');
    expect(decision.next.body.attempt).toBe(2);
  });

  it('counts toward maxAttempts and ends misconfigured', () => {
    const decision = expectKind(
      decide(http(401), { message: message({ attempt: 8 }), connectorAttempt: { outcome: http(401), freshTokenRetried: true } }),
      'deadLetter',
    );
    expect(decision.reason).toBe('RetriesExhausted');
    expect(classifyDeadLetter({ deadLetterReason: decision.reason, deadLetterErrorDescription: decision.description }).failureClass).toBe('misconfigured');
  });
});

describe('decideDelivery: rescheduled copy', () => {
  it('is the same delivery, attempt + 1, scheduled at retryAt', () => {
    const original = message({ attempt: 3, revision: 2, operation: 'update', serviceUrlOverride: gccUrl, expiresAt: '2026-03-11T00:00:00Z' });
    const decision = expectKind(decide(http(503), { message: original, serviceUrlUsed: gccUrl }), 'retry');
    expect(decision.next.body).toEqual({ ...original, attempt: 4 });
    expect(decision.delayInMs).toBe(4_000);
    expect(decision.retryAt).toEqual(new Date(now.getTime() + 4_000));
    expect(decision.next.notBefore).toEqual(decision.retryAt);
    expect(decision.rememberServiceUrl).toBeUndefined();
    expect(decision.description).toContain('retrying in 4000 ms');
  });

  it('does not mutate the input message', () => {
    const original = message();
    const frozen = JSON.stringify(original);
    decide(http(503), { message: original });
    expect(JSON.stringify(original)).toBe(frozen);
  });

  it('leaves notBefore out when the retry is immediate', () => {
    const decision = expectKind(decide(http(503), { random: () => 0 }), 'retry');
    expect(decision.delayInMs).toBe(0);
    expect(decision.next.notBefore).toBeUndefined();
    expect(decision.retryAt).toEqual(now);
  });
});

describe('decideDelivery: backoff and jitter bounds', () => {
  it.each([
    [1, 0, 0],
    [1, 1, 1_000],
    [2, 1, 2_000],
    [4, 0.5, 4_000],
    [7, 1, 64_000],
  ])('attempt %i, random %d → %i ms', (attempt, draw, delay) => {
    const decision = expectKind(decide(http(502, 'ServiceError'), { message: message({ attempt }), random: () => draw, settings: { ...settings, maxAttempts: 100 } }), 'retry');
    expect(decision.delayInMs).toBe(delay);
  });

  it('caps the delay at backoffMaxInMs', () => {
    const decision = expectKind(decide(http(504), { message: message({ attempt: 30 }), settings: { ...settings, maxAttempts: 100 } }), 'retry');
    expect(decision.delayInMs).toBe(300_000);
  });
});

describe('decideDelivery: 429 and Retry-After', () => {
  it('waits exactly Retry-After with random 0', () => {
    const decision = expectKind(decide(http(429, 'Throttled', { retryAfterInMs: 5_000 }), { random: () => 0 }), 'retry');
    expect(decision.delayInMs).toBe(5_000);
    expect(decision.throttleCoolDownInMs).toBe(5_000);
  });

  it('adds at most a quarter of the backoff base to a short Retry-After', () => {
    const decision = expectKind(decide(http(429, 'Throttled', { retryAfterInMs: 2_000 }), { random: () => 1 }), 'retry');
    expect(decision.delayInMs).toBe(2_250);
  });

  it('adds at most a tenth of a long Retry-After', () => {
    const decision = expectKind(decide(http(429, 'Throttled', { retryAfterInMs: 60_000 }), { random: () => 1 }), 'retry');
    expect(decision.delayInMs).toBe(66_000);
  });

  it('is not capped by backoffMaxInMs: Teams decides how long', () => {
    const decision = expectKind(decide(http(429, 'Throttled', { retryAfterInMs: 600_000 }), { random: () => 0 }), 'retry');
    expect(decision.delayInMs).toBe(600_000);
  });

  it('backs off exponentially without the header', () => {
    const decision = expectKind(decide(http(429, 'Throttled'), { message: message({ attempt: 3 }) }), 'retry');
    expect(decision.delayInMs).toBe(4_000);
    expect(decision.throttleCoolDownInMs).toBe(4_000);
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], [86_400_001]])('ignores an unusable Retry-After %d', (retryAfterInMs) => {
    const decision = expectKind(decide(http(429, 'Throttled', { retryAfterInMs })), 'retry');
    expect(decision.delayInMs).toBe(1_000);
  });

  it('honours Retry-After on a 503 too, without a tenant cool-down', () => {
    const decision = expectKind(decide(http(503, undefined, { retryAfterInMs: 30_000 }), { random: () => 0 }), 'retry');
    expect(decision.delayInMs).toBe(30_000);
    expect(decision.throttleCoolDownInMs).toBeUndefined();
  });

  it('does not retry a 400 because it carries Retry-After', () => {
    expect(decide(http(400, 'BadArgument', { retryAfterInMs: 1_000 })).kind).toBe('deadLetter');
  });
});

describe('decideDelivery: attempt limits', () => {
  it.each([
    [1, 8, 'retry'],
    [7, 8, 'retry'],
    [8, 8, 'deadLetter'],
    [9, 8, 'deadLetter'],
    [1, 1, 'deadLetter'],
    [1, 0, 'deadLetter'],
  ])('attempt %i of max %i on a retryable failure → %s', (attempt, maxAttempts, kind) => {
    const decision = decide(http(503), { message: message({ attempt }), settings: { ...settings, maxAttempts } });
    expect(decision.kind).toBe(kind);
    if (decision.kind === 'retry') expect(decision.next.body.attempt).toBe(attempt + 1);
    if (decision.kind === 'deadLetter') {
      expect(decision.reason).toBe('RetriesExhausted');
      expect(decision.description).toMatch(/^HTTP 503: message for 503; attempt \d+ of \d+; retries exhausted$/);
    }
  });

  it('reports the Teams code, not RetriesExhausted, for a final failure at the last attempt', () => {
    const decision = decide(http(403, 'ConversationBlockedByUser'), { message: message({ attempt: 8 }) });
    expect(expectKind(decision, 'deadLetter').reason).toBe('ConversationBlockedByUser');
  });
});

describe('decideDelivery: expiry', () => {
  it('dead-letters a retryable failure once now is past expiresAt', () => {
    const decision = decide(http(503), { message: message({ expiresAt: '2026-03-10T11:59:59.999Z' }) });
    const dead = expectKind(decision, 'deadLetter');
    expect(dead.reason).toBe('Expired');
    expect(dead.description).toContain('expired at 2026-03-10T11:59:59.999Z');
  });

  it('retries when the retry lands exactly on expiresAt', () => {
    const decision = decide(http(503), { message: message({ expiresAt: '2026-03-10T12:00:01.000Z' }) });
    expect(expectKind(decision, 'retry').retryAt.toISOString()).toBe('2026-03-10T12:00:01.000Z');
  });

  it('dead-letters as Expired when the retry would land 1 ms after expiresAt', () => {
    const decision = decide(http(503), { message: message({ expiresAt: '2026-03-10T12:00:00.999Z' }) });
    const dead = expectKind(decision, 'deadLetter');
    expect(dead.reason).toBe('Expired');
    expect(dead.description).toContain('would be after expiresAt 2026-03-10T12:00:00.999Z');
    expect(classifyDeadLetter({ deadLetterReason: dead.reason, deadLetterErrorDescription: dead.description }).failureClass).toBe('expired');
  });

  it('dead-letters as Expired when a Retry-After reaches past expiresAt', () => {
    const decision = decide(http(429, 'Throttled', { retryAfterInMs: 120_000 }), { message: message({ expiresAt: '2026-03-10T12:01:00Z' }) });
    expect(expectKind(decision, 'deadLetter').reason).toBe('Expired');
  });

  it('allows a retry at now when now equals expiresAt', () => {
    const decision = decide(http(503), { message: message({ expiresAt: now.toISOString() }), random: () => 0 });
    expect(decision.kind).toBe('retry');
  });

  it('keeps the Teams code for a final failure past expiresAt (the cause matters more)', () => {
    const decision = decide(http(403, 'BotNotInConversationRoster'), { message: message({ expiresAt: '2026-03-10T00:00:00Z' }) });
    expect(expectKind(decision, 'deadLetter').reason).toBe('BotNotInConversationRoster');
  });

  it('prefers Expired over RetriesExhausted when both hold', () => {
    const decision = decide(http(503), { message: message({ attempt: 8, expiresAt: '2026-03-10T00:00:00Z' }) });
    expect(expectKind(decision, 'deadLetter').reason).toBe('Expired');
  });
});

describe('decideDelivery: GCC host after 403 InvalidBotApiHost', () => {
  const invalidHost = http(403, 'InvalidBotApiHost', { message: 'Invalid bot api host. For GCC tenants, call https://smba.infra.gcc.teams.microsoft.com.' });

  it('retries at once on the GCC host and says to remember it', () => {
    const decision = expectKind(decide(invalidHost), 'retry');
    expect(decision.delayInMs).toBe(0);
    expect(decision.retryAt).toEqual(now);
    expect(decision.next).toEqual({ body: { ...message(), attempt: 2, serviceUrlOverride: gccUrl } });
    expect(decision.rememberServiceUrl).toBe(gccUrl);
    expect(decision.reason).toBe('InvalidBotApiHost');
  });

  it('redirects even at the last attempt: a wrong address is not a failed attempt', () => {
    const decision = expectKind(decide(invalidHost, { message: message({ attempt: 8 }) }), 'retry');
    expect(decision.next.body.attempt).toBe(9);
  });

  it('is final when the GCC host itself answered InvalidBotApiHost', () => {
    const decision = expectKind(decide(invalidHost, { serviceUrlUsed: gccUrl }), 'deadLetter');
    expect(decision.reason).toBe('InvalidBotApiHost');
    expect(decision.description).toContain('the GCC host was already used');
    expect(classifyDeadLetter({ deadLetterReason: decision.reason, deadLetterErrorDescription: decision.description })).toMatchObject({
      failureClass: 'misconfigured',
      prune: false,
    });
  });

  it('is final when the message already carried the GCC override', () => {
    const decision = decide(invalidHost, { message: message({ serviceUrlOverride: gccUrl }), serviceUrlUsed: publicUrl });
    expect(expectKind(decision, 'deadLetter').reason).toBe('InvalidBotApiHost');
  });

  it('compares service bases exactly: origin (case-insensitive, never by suffix) and path', () => {
    expect(decide(invalidHost, { serviceUrlUsed: gccUrl.toUpperCase() }).kind).toBe('deadLetter');
    // One host can serve several bases (the local emulator's /amer/ and /gcc/): a different path is another base.
    expect(decide(invalidHost, { serviceUrlUsed: `${new URL(gccUrl).origin}/amer/` }).kind).toBe('retry');
    expect(decide(invalidHost, { serviceUrlUsed: 'https://smba.infra.gcc.teams.microsoft.com.evil.example/' }).kind).toBe('retry');
    expect(decide(invalidHost, { serviceUrlUsed: 'not a url' }).kind).toBe('retry');
  });

  it('does not redirect a delivery already past expiresAt', () => {
    const decision = decide(invalidHost, { message: message({ expiresAt: '2026-03-10T11:00:00Z' }) });
    expect(expectKind(decision, 'deadLetter').reason).toBe('Expired');
  });
});

describe('decideDelivery: properties', () => {
  const failureOutcome: fc.Arbitrary<ConnectorOutcome> = fc.oneof(
    fc.record({
      kind: fc.constant('httpError' as const),
      status: fc.integer({ min: 300, max: 599 }),
      code: fc.option(fc.constantFrom('Throttled', 'ServiceError', 'PreconditionFailed', 'InvalidBotApiHost', 'BadArgument', 'BotNotRegistered'), { nil: undefined }),
      message: fc.option(fc.string(), { nil: undefined }),
      retryAfterInMs: fc.option(fc.integer({ min: -10, max: 100_000_000 }), { nil: undefined }),
    }),
    fc.record({ kind: fc.constant('timeout' as const), timeoutInMs: fc.nat() }),
    fc.record({ kind: fc.constant('networkError' as const), code: fc.string(), message: fc.string() }),
    fc.record({ kind: fc.constant('tokenError' as const), code: fc.constantFrom('invalid_client', 'temporarily_unavailable', 'x'), message: fc.string() }),
    fc.record({ kind: fc.constant('untrustedServiceUrl' as const), serviceUrl: fc.webUrl() }),
  );
  const inputs = fc.record({
    outcome: failureOutcome,
    freshTokenRetried: fc.boolean(),
    attempt: fc.integer({ min: 1, max: 20 }),
    maxAttempts: fc.integer({ min: 1, max: 20 }),
    backoffBaseInMs: fc.integer({ min: 0, max: 10_000 }),
    backoffMaxInMs: fc.integer({ min: 0, max: 1_000_000 }),
    draw: fc.double({ min: 0, max: 1, noNaN: true }),
    expiresInMs: fc.option(fc.integer({ min: -100_000, max: 10_000_000 }), { nil: undefined }),
    usedGcc: fc.boolean(),
  });

  it('a retry never precedes now nor follows expiresAt, is attempt + 1, and a backoff stays under the cap', () => {
    fc.assert(
      fc.property(inputs, (i) => {
        const input: DeliveryDecisionInput = {
          message: message({
            attempt: i.attempt,
            ...(i.expiresInMs === undefined ? {} : { expiresAt: new Date(now.getTime() + i.expiresInMs).toISOString() }),
          }),
          connectorAttempt: { outcome: i.outcome, freshTokenRetried: i.freshTokenRetried },
          now,
          settings: { maxAttempts: i.maxAttempts, backoffBaseInMs: i.backoffBaseInMs, backoffMaxInMs: i.backoffMaxInMs },
          random: () => i.draw,
          gccServiceUrl: gccUrl,
          serviceUrlUsed: i.usedGcc ? gccUrl : publicUrl,
        };
        const decision = decideDelivery(input);
        expect(decideDelivery(input)).toEqual(decision);
        if (decision.kind === 'retry') {
          expect(decision.delayInMs).toBeGreaterThanOrEqual(0);
          expect(decision.retryAt.getTime()).toBe(now.getTime() + decision.delayInMs);
          expect(decision.next.body.attempt).toBe(i.attempt + 1);
          if (i.expiresInMs !== undefined) expect(decision.delayInMs).toBeLessThanOrEqual(i.expiresInMs);
          const usedRetryAfter = i.outcome.kind === 'httpError' && i.outcome.retryAfterInMs !== undefined && i.outcome.retryAfterInMs >= 0;
          if (!usedRetryAfter) expect(decision.delayInMs).toBeLessThanOrEqual(i.backoffMaxInMs);
          if (decision.rememberServiceUrl === undefined) expect(i.attempt).toBeLessThan(i.maxAttempts);
        } else {
          expect(decision.kind).toBe('deadLetter');
          const dead = expectKind(decision, 'deadLetter');
          expect(dead.reason.length).toBeGreaterThan(0);
          expect(dead.description.length).toBeLessThanOrEqual(1024);
        }
      }),
    );
  });
});
