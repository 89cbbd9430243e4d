/**
 * The catalogue of every reason a delivery can end with: Teams' Bot Connector error codes (from Teams' "Status
 * codes from bot conversational APIs" table), the identity platform's token errors, the gateway's own reasons
 * and Service Bus's system dead-letter reasons. The delivery policy decides with it and the deadLetter
 * function classifies with it, so a code means the same thing on both sides.
 */

/** What a failed delivery tells an operator to do; `prune` follows from `gone`. */
export type FailureClass =
  /** The bot can no longer reach this conversation (uninstalled, blocked, deleted): prune it. */
  | 'gone'
  /** Teams refused this request as made (payload, size, missing message): fix the request. */
  | 'rejected'
  /** The bot's registration, credentials, permissions or hosts are wrong: fix the configuration. */
  | 'misconfigured'
  /** A retryable failure outlasted every attempt: Teams or the network was unhealthy for long. */
  | 'exhausted'
  /** Too late to be useful: past `expiresAt` or the queue's time-to-live. */
  | 'expired'
  /** Teams failed internally and said not to retry (500 and other 5xx it does not list as retryable). */
  | 'teamsFault'
  | 'unknown';

/** How Teams says a status is retried ("Status codes retry guidance"); anything unlisted is `never`. */
export type RetryRule = 'never' | 'backoff' | 'retryAfter' | 'gccHost';

export type ErrorCodeSource = 'teams' | 'identity' | 'gateway' | 'serviceBus';

export interface ErrorCodeEntry {
  code: string;
  source: ErrorCodeSource;
  /** HTTP statuses Teams answers with this code; empty for reasons that are not an HTTP answer. */
  statuses: readonly number[];
  failureClass: FailureClass;
  meaning: string;
}

export const teamsErrorCodes = {
  BadArgument: 'BadArgument',
  BotNotRegistered: 'BotNotRegistered',
  BotDisabledByAdmin: 'BotDisabledByAdmin',
  BotNotInConversationRoster: 'BotNotInConversationRoster',
  ConversationBlockedByUser: 'ConversationBlockedByUser',
  ForbiddenOperationException: 'ForbiddenOperationException',
  InvalidBotApiHost: 'InvalidBotApiHost',
  NotEnoughPermissions: 'NotEnoughPermissions',
  ActivityNotFoundInConversation: 'ActivityNotFoundInConversation',
  ConversationNotFound: 'ConversationNotFound',
  PreconditionFailed: 'PreconditionFailed',
  MessageSizeTooBig: 'MessageSizeTooBig',
  Throttled: 'Throttled',
  ServiceError: 'ServiceError',
} as const;

/** Reasons the gateway itself dead-letters with (docs/architecture.md "Queue contract"). */
export const gatewayReasons = {
  RetriesExhausted: 'RetriesExhausted',
  Expired: 'Expired',
  ConversationRemoved: 'ConversationRemoved',
  UntrustedServiceUrl: 'UntrustedServiceUrl',
  /** A queue message whose body is not a DeliveryMessage; recorded, never retried. */
  MalformedDeliveryMessage: 'MalformedDeliveryMessage',
} as const;

/** Service Bus's own `deadLetterReason` values, spelled as Service Bus sets them. */
export const serviceBusReasons = {
  MaxDeliveryCountExceeded: 'MaxDeliveryCountExceeded',
  TTLExpiredException: 'TTLExpiredException',
  HeaderSizeExceeded: 'HeaderSizeExceeded',
  SessionIdIsNull: 'Session ID is null',
  MaxTransferHopCountExceeded: 'MaxTransferHopCountExceeded',
} as const;

/** OAuth 2.0 token-endpoint errors that mean the bot's identity is wrong; anything else may pass. */
export const identityMisconfigurationCodes = {
  InvalidClient: 'invalid_client',
  UnauthorizedClient: 'unauthorized_client',
  InvalidScope: 'invalid_scope',
  InvalidGrant: 'invalid_grant',
  InvalidRequest: 'invalid_request',
  UnsupportedGrantType: 'unsupported_grant_type',
} as const;

const teams = (code: string, statuses: number[], failureClass: FailureClass, meaning: string): ErrorCodeEntry => ({
  code,
  source: 'teams',
  statuses,
  failureClass,
  meaning,
});
const other = (source: ErrorCodeSource, code: string, failureClass: FailureClass, meaning: string): ErrorCodeEntry => ({
  code,
  source,
  statuses: [],
  failureClass,
  meaning,
});

export const errorCodeCatalogue: readonly ErrorCodeEntry[] = [
  teams(teamsErrorCodes.BadArgument, [400], 'rejected', 'Invalid request payload provided by the bot.'),
  teams(teamsErrorCodes.BotNotRegistered, [401], 'misconfigured', 'No registration found for this bot (app id, or Teams channel not enabled).'),
  // Tenant-wide in Teams, but the gateway prunes only the conversation that said so (failureClassification.ts).
  teams(teamsErrorCodes.BotDisabledByAdmin, [403], 'gone', 'The tenant admin disabled this bot.'),
  teams(teamsErrorCodes.BotNotInConversationRoster, [403], 'gone', 'The bot is not part of the conversation roster (uninstalled).'),
  teams(teamsErrorCodes.ConversationBlockedByUser, [403], 'gone', 'The user blocked the conversation with the bot.'),
  teams(teamsErrorCodes.ForbiddenOperationException, [403], 'gone', "The bot is not installed in the user's personal scope."),
  // Retried once on the GCC host; only ends a delivery when the GCC host said it too.
  teams(teamsErrorCodes.InvalidBotApiHost, [403], 'misconfigured', 'The conversation belongs to a GCC tenant; call the GCC host.'),
  teams(teamsErrorCodes.NotEnoughPermissions, [403], 'misconfigured', 'The bot lacks the permission for the requested action.'),
  // The message is gone, not the conversation: never prunes.
  teams(teamsErrorCodes.ActivityNotFoundInConversation, [404], 'rejected', 'The message id was not found in the conversation.'),
  teams(teamsErrorCodes.ConversationNotFound, [404], 'gone', 'The conversation does not exist or was deleted.'),
  // Retryable codes end as RetriesExhausted; should one arrive as a reason anyway, it is an exhausted retry.
  teams(teamsErrorCodes.PreconditionFailed, [412], 'exhausted', 'Concurrent operations on the same conversation; retry with backoff.'),
  teams(teamsErrorCodes.MessageSizeTooBig, [413], 'rejected', 'The request was too large.'),
  teams(teamsErrorCodes.Throttled, [429], 'exhausted', 'Too many requests; retry after Retry-After.'),
  teams(teamsErrorCodes.ServiceError, [500, 502], 'teamsFault', 'Internal server error (500, final) or service dependency issue (502, retried).'),

  other('gateway', gatewayReasons.RetriesExhausted, 'exhausted', 'A retryable failure persisted through every attempt.'),
  other('gateway', gatewayReasons.Expired, 'expired', 'The delivery reached its expiresAt before it could be sent.'),
  other('gateway', gatewayReasons.ConversationRemoved, 'gone', 'The conversation was already marked removed; nothing was sent.'),
  other('gateway', gatewayReasons.UntrustedServiceUrl, 'misconfigured', 'The serviceUrl host is not trusted; the token was never sent.'),
  other('gateway', gatewayReasons.MalformedDeliveryMessage, 'rejected', 'The queue message is not a delivery the gateway understands.'),

  other('identity', identityMisconfigurationCodes.InvalidClient, 'misconfigured', 'Wrong app id, secret or certificate.'),
  other('identity', identityMisconfigurationCodes.UnauthorizedClient, 'misconfigured', 'The app is not known in the tenant or may not use this grant.'),
  other('identity', identityMisconfigurationCodes.InvalidScope, 'misconfigured', 'The token scope is wrong for this cloud.'),
  other('identity', identityMisconfigurationCodes.InvalidGrant, 'misconfigured', 'The credential was rejected (expired secret or certificate).'),
  other('identity', identityMisconfigurationCodes.InvalidRequest, 'misconfigured', 'The token request was malformed (tenant or authority wrong).'),
  other('identity', identityMisconfigurationCodes.UnsupportedGrantType, 'misconfigured', 'The authority does not support client credentials.'),
  other('identity', 'temporarily_unavailable', 'exhausted', 'The token endpoint was temporarily unavailable.'),
  other('identity', 'server_error', 'exhausted', 'The token endpoint failed.'),

  other('serviceBus', serviceBusReasons.MaxDeliveryCountExceeded, 'exhausted', 'The message crashed its handler on every delivery.'),
  other('serviceBus', serviceBusReasons.TTLExpiredException, 'expired', "The message outlived the queue's time-to-live."),
  other('serviceBus', serviceBusReasons.HeaderSizeExceeded, 'rejected', "The message's headers exceeded Service Bus's quota."),
  other('serviceBus', serviceBusReasons.SessionIdIsNull, 'rejected', 'A message without a session id reached the session-enabled queue.'),
  other('serviceBus', serviceBusReasons.MaxTransferHopCountExceeded, 'misconfigured', 'The message was forwarded between queues too often.'),
];

/** Compares codes as people and services actually spell them: `Bad Argument`, `badargument`, `INVALID_CLIENT`. */
export function normalizeErrorCode(code: string): string {
  return code.toLowerCase().replace(/[\s_-]+/g, '');
}

const byNormalizedCode = new Map(errorCodeCatalogue.map((entry) => [normalizeErrorCode(entry.code), entry]));

/** The catalogue entry for a code or dead-letter reason, whatever its case or spacing; undefined when unknown. */
export function findErrorCode(code: string | undefined | null): ErrorCodeEntry | undefined {
  if (code === undefined || code === null) return undefined;
  return byNormalizedCode.get(normalizeErrorCode(code));
}

/** Teams' retry guidance table; statuses it does not list are never retried. */
const retryRuleByStatus: ReadonlyMap<number, RetryRule> = new Map<number, RetryRule>([
  [412, 'backoff'],
  [429, 'retryAfter'],
  [502, 'backoff'],
  [503, 'backoff'],
  [504, 'backoff'],
]);

export function retryRuleFor(status: number, code: string | undefined): RetryRule {
  if (status === 403 && code === teamsErrorCodes.InvalidBotApiHost) return 'gccHost';
  return retryRuleByStatus.get(status) ?? 'never';
}

/** Bodies seen without a specific code (`Forbidden`, none) still say which "gone" case they are. */
const codeByMessage: readonly { status: number; pattern: RegExp; code: string }[] = [
  { status: 403, pattern: /(?:not|n't) part of the conversation roster/i, code: teamsErrorCodes.BotNotInConversationRoster },
  { status: 403, pattern: /blocked the conversation/i, code: teamsErrorCodes.ConversationBlockedByUser },
  { status: 403, pattern: /invalid bot api host/i, code: teamsErrorCodes.InvalidBotApiHost },
  { status: 403, pattern: /(?:not|n't) installed in (?:the )?user'?s personal scope/i, code: teamsErrorCodes.ForbiddenOperationException },
  { status: 403, pattern: /admin disabled this bot/i, code: teamsErrorCodes.BotDisabledByAdmin },
];

/** Longest code kept from a response, so a hostile or broken body cannot bloat a dead-letter reason. */
const maxCodeLength = 100;

/**
 * The code a Teams HTTP error is known by: the catalogue's spelling when Teams' code is one we know, the
 * code as sent when it is new to us, else (no code in the body) one recognised from the message, else
 * `Http<status>` so a reason is never empty.
 */
export function teamsErrorCodeOf(status: number, code: string | undefined, message: string | undefined): string {
  const raw = code?.trim() ?? '';
  const known = findErrorCode(raw);
  if (known !== undefined && known.source === 'teams') return known.code;
  const generic = raw === '' || normalizeErrorCode(raw) === normalizeErrorCode(httpReasonPhrase(status));
  if (generic && message !== undefined) {
    const byMessage = codeByMessage.find((m) => m.status === status && m.pattern.test(message));
    if (byMessage !== undefined) return byMessage.code;
  }
  if (raw !== '' && !generic) return raw.slice(0, maxCodeLength);
  return httpStatusCode(status);
}

/** `Http503`: the reason used when Teams sent no code. */
export function httpStatusCode(status: number): string {
  return `Http${status}`;
}

/** Parses `Http503` back; undefined for anything else. */
export function statusOfHttpStatusCode(code: string): number | undefined {
  const match = /^http(\d{3})$/i.exec(code.trim());
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Generic codes some stacks put in the body instead of Teams' own (`Forbidden` for 403). */
function httpReasonPhrase(status: number): string {
  const phrases: Readonly<Record<number, string>> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound' };
  return phrases[status] ?? '';
}

/** The class of an HTTP failure Teams sent without a code we know: by status alone. */
export function failureClassOfStatus(status: number): FailureClass {
  if (status === 401) return 'misconfigured';
  // A status Teams retries only ends a delivery once its retries ran out.
  if (retryRuleFor(status, undefined) !== 'never') return 'exhausted';
  if (status >= 400 && status < 500) return 'rejected';
  if (status >= 500 && status < 600) return 'teamsFault';
  return 'unknown';
}
