import { type DeliverySettings } from '../config';
import { type ConnectorAttempt, type ConnectorOutcome } from '../connector/connectorOutcome';
import {
  findErrorCode,
  gatewayReasons,
  identityMisconfigurationCodes,
  retryRuleFor,
  teamsErrorCodeOf,
  teamsErrorCodes,
} from '../connector/teamsErrorCodes';
import { type DeliveryMessage } from '../queue/deliveryMessage';
import { type QueuedDelivery } from '../queue/deliveryQueue';
import { backoffDelay, clampUnit } from './backoffDelay';
import { composeDescription, describeOutcome } from './failureDescription';
import { maxRetryAfterInMs } from './retryAfter';

/**
 * What happens to a delivery after one Bot Connector request, as a pure function of the delivery, the
 * response, the clock and a random source. Follows Teams' retry table: 412, 502, 503, 504 back off; 429
 * waits for Retry-After; 403 InvalidBotApiHost moves to the GCC host once; every other status is final.
 */
export interface DeliveryDecisionInput {
  message: DeliveryMessage;
  connectorAttempt: ConnectorAttempt;
  now: Date;
  settings: Pick<DeliverySettings, 'maxAttempts' | 'backoffBaseInMs' | 'backoffMaxInMs'>;
  /** Math.random-shaped; drives the jitter. */
  random: () => number;
  /** Where a GCC tenant's conversations live (GatewayConfig.gccServiceUrl). */
  gccServiceUrl: string;
  /** The serviceUrl the request went to: the message's override, a remembered one, or the reference's. */
  serviceUrlUsed: string;
}

export type DeliveryDecision = DeliveredDecision | RetryDecision | DeadLetterDecision;

export interface DeliveredDecision {
  kind: 'delivered';
  /** Teams' activity id (absent when Teams returned none, e.g. a delete, or a delete of a gone message). */
  activityId: string | undefined;
  httpStatus: number;
}

/**
 * Schedule `next` (attempt + 1, same session) and complete the current message. The retry counts toward
 * maxAttempts, except the one GCC redirect, which is a correction of the address rather than a failure.
 */
export interface RetryDecision {
  kind: 'retry';
  next: QueuedDelivery;
  retryAt: Date;
  delayInMs: number;
  /** The code of the failure being retried (Teams' code, `Http503`, `Timeout`, `ECONNRESET`, …). */
  reason: string;
  description: string;
  /** After 403 InvalidBotApiHost: store this serviceUrl on the conversation so later sends go there first. */
  rememberServiceUrl?: string;
  /** After a 429: pause every conversation of the tenant this long (SendPacer.coolDownTenant). */
  throttleCoolDownInMs?: number;
}

/** Final: dead-letter with this reason (`deadLetterReason`) and description (`deadLetterErrorDescription`). */
export interface DeadLetterDecision {
  kind: 'deadLetter';
  reason: string;
  description: string;
  httpStatus?: number;
}

/** Reason used for a request that got no answer in time. */
export const timeoutReason = 'Timeout';

export function decideDelivery(input: DeliveryDecisionInput): DeliveryDecision {
  const { message, connectorAttempt, now } = input;
  const outcome = connectorAttempt.outcome;
  if (outcome.kind === 'success') {
    return { kind: 'delivered', activityId: outcome.id, httpStatus: outcome.status };
  }

  const maxAttempts = Math.max(1, Math.floor(input.settings.maxAttempts));
  const failure = classifyOutcome(outcome, message);
  const context = `attempt ${message.attempt} of ${maxAttempts}${freshTokenNote(outcome, connectorAttempt.freshTokenRetried)}`;
  const described = describeOutcome(outcome);
  const httpStatus = outcome.kind === 'httpError' ? outcome.status : undefined;
  const deadLetter = (reason: string, ...notes: string[]): DeadLetterDecision =>
    withStatus({ kind: 'deadLetter', reason, description: composeDescription(described, context, ...notes) }, httpStatus);

  if (failure.kind === 'alreadyDone') return { kind: 'delivered', activityId: undefined, httpStatus: httpStatus ?? 0 };
  if (failure.kind === 'final') return deadLetter(failure.reason, 'not retried');

  const expiresAt = parseTime(message.expiresAt);
  if (expiresAt !== undefined && now.getTime() > expiresAt) {
    return deadLetter(gatewayReasons.Expired, `expired at ${new Date(expiresAt).toISOString()}`);
  }

  if (failure.kind === 'gccRedirect') {
    if (isSameBase(input.serviceUrlUsed, input.gccServiceUrl) || isSameBase(message.serviceUrlOverride, input.gccServiceUrl)) {
      // The GCC host said it too: a second redirect would loop.
      return deadLetter(teamsErrorCodes.InvalidBotApiHost, 'the GCC host was already used');
    }
    const next: DeliveryMessage = { ...message, attempt: message.attempt + 1, serviceUrlOverride: input.gccServiceUrl };
    return {
      kind: 'retry',
      next: { body: next },
      retryAt: now,
      delayInMs: 0,
      reason: teamsErrorCodes.InvalidBotApiHost,
      description: composeDescription(described, context, `retrying at once on ${input.gccServiceUrl}`),
      rememberServiceUrl: input.gccServiceUrl,
    };
  }

  if (message.attempt >= maxAttempts) return deadLetter(gatewayReasons.RetriesExhausted, 'retries exhausted');

  const delayInMs = retryDelay(failure, message.attempt, input);
  const retryAt = new Date(now.getTime() + delayInMs);
  if (expiresAt !== undefined && retryAt.getTime() > expiresAt) {
    return deadLetter(
      gatewayReasons.Expired,
      `the retry at ${retryAt.toISOString()} would be after expiresAt ${new Date(expiresAt).toISOString()}`,
    );
  }
  const next: DeliveryMessage = { ...message, attempt: message.attempt + 1 };
  const decision: RetryDecision = {
    kind: 'retry',
    next: delayInMs > 0 ? { body: next, notBefore: retryAt } : { body: next },
    retryAt,
    delayInMs,
    reason: failure.reason,
    description: composeDescription(described, context, `retrying in ${delayInMs} ms`),
  };
  if (failure.kind === 'throttled') decision.throttleCoolDownInMs = delayInMs;
  return decision;
}

type OutcomeFailure =
  | { kind: 'final'; reason: string }
  /** A delete of a message Teams no longer has: the goal of the delete holds. */
  | { kind: 'alreadyDone' }
  | { kind: 'gccRedirect' }
  | { kind: 'backoff'; reason: string; retryAfterInMs: number | undefined }
  | { kind: 'throttled'; reason: string; retryAfterInMs: number | undefined };

function classifyOutcome(outcome: Exclude<ConnectorOutcome, { kind: 'success' }>, message: DeliveryMessage): OutcomeFailure {
  switch (outcome.kind) {
    case 'httpError':
      return classifyHttpError(outcome, message);
    // A lost answer may hide a posted message, but Teams cannot be asked; retrying risks a rare duplicate
    // where giving up risks a lost notification.
    case 'timeout':
      return { kind: 'backoff', reason: timeoutReason, retryAfterInMs: undefined };
    case 'networkError':
      return { kind: 'backoff', reason: outcome.code.trim() || 'NetworkError', retryAfterInMs: undefined };
    case 'tokenError': {
      // invalid_client and friends are wrong configuration; everything else (temporarily_unavailable, an
      // unreachable managed-identity endpoint) is the transient token trouble the field reports describe.
      const entry = findErrorCode(outcome.code);
      const misconfigured = entry !== undefined && (Object.values(identityMisconfigurationCodes) as string[]).includes(entry.code);
      return misconfigured
        ? { kind: 'final', reason: entry.code }
        : { kind: 'backoff', reason: outcome.code.trim() || 'TokenError', retryAfterInMs: undefined };
    }
    case 'untrustedServiceUrl':
      return { kind: 'final', reason: gatewayReasons.UntrustedServiceUrl };
  }
}

function classifyHttpError(outcome: Extract<ConnectorOutcome, { kind: 'httpError' }>, message: DeliveryMessage): OutcomeFailure {
  const code = teamsErrorCodeOf(outcome.status, outcome.code, outcome.message);
  const retryAfterInMs = usableRetryAfter(outcome.retryAfterInMs);
  if (outcome.status === 404 && code === teamsErrorCodes.ActivityNotFoundInConversation && message.operation === 'delete') {
    return { kind: 'alreadyDone' };
  }
  // 401 is not in Teams' retry table, but with a token the client just refreshed it is most often the
  // token service catching up (seed 000): back off. BotNotRegistered is Teams naming a registration problem.
  if (outcome.status === 401) {
    return code === teamsErrorCodes.BotNotRegistered ? { kind: 'final', reason: code } : { kind: 'backoff', reason: code, retryAfterInMs };
  }
  switch (retryRuleFor(outcome.status, code)) {
    case 'gccHost':
      return { kind: 'gccRedirect' };
    case 'retryAfter':
      return { kind: 'throttled', reason: code, retryAfterInMs };
    case 'backoff':
      return { kind: 'backoff', reason: code, retryAfterInMs };
    case 'never':
      // Includes 500 and unlisted 5xx: Teams says not to retry them ("bot must avoid retrying status codes
      // that aren't specified"), and a 500 may come after the message was stored, so a retry could duplicate.
      return { kind: 'final', reason: code };
  }
}

/**
 * A present Retry-After wins over backoff (for 429 and for a 503 that sends one), plus jitter so the many
 * deliveries a 429 storm reschedules do not return in one burst: up to a tenth of the wait, at least a
 * quarter of the backoff base. Without the header, a 429 backs off exponentially like the others.
 */
function retryDelay(failure: Extract<OutcomeFailure, { kind: 'backoff' | 'throttled' }>, attempt: number, input: DeliveryDecisionInput): number {
  if (failure.retryAfterInMs === undefined) return backoffDelay(attempt, input.settings, input.random);
  const jitterSpan = Math.max(failure.retryAfterInMs / 10, Math.max(0, input.settings.backoffBaseInMs) / 4);
  return failure.retryAfterInMs + Math.floor(clampUnit(input.random()) * jitterSpan);
}

function usableRetryAfter(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value) || value < 0 || value > maxRetryAfterInMs) return undefined;
  return Math.ceil(value);
}

function freshTokenNote(outcome: ConnectorOutcome, freshTokenRetried: boolean): string {
  if (outcome.kind !== 'httpError' || outcome.status !== 401) return '';
  return freshTokenRetried ? ', after a retry with a fresh token' : ', without a fresh-token retry';
}

function withStatus(decision: DeadLetterDecision, httpStatus: number | undefined): DeadLetterDecision {
  if (httpStatus !== undefined) decision.httpStatus = httpStatus;
  return decision;
}

function parseTime(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? undefined : at;
}

/**
 * Same service base: exact origin (never by suffix) and the same path. The path matters because one host can
 * serve several bases (Teams' regional `/amer/`, `/emea/`; the local emulator's `/amer/` and `/gcc/`).
 */
function isSameBase(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  try {
    const [left, right] = [new URL(a), new URL(b)];
    const path = (url: URL): string => url.pathname.replace(/\/+$/, '').toLowerCase();
    return left.origin.toLowerCase() === right.origin.toLowerCase() && path(left) === path(right);
  } catch {
    return false;
  }
}
