import {
  errorCodeCatalogue,
  failureClassOfStatus,
  findErrorCode,
  httpStatusCode,
  normalizeErrorCode,
  retryRuleFor,
  statusOfHttpStatusCode,
  teamsErrorCodeOf,
} from '../../../shared/connector/teamsErrorCodes';

describe('errorCodeCatalogue', () => {
  // Teams' "Status codes from bot conversational APIs" table, the gateway's reasons and Service Bus's.
  it.each([
    ['BadArgument', 'teams', [400], 'rejected'],
    ['BotNotRegistered', 'teams', [401], 'misconfigured'],
    ['BotDisabledByAdmin', 'teams', [403], 'gone'],
    ['BotNotInConversationRoster', 'teams', [403], 'gone'],
    ['ConversationBlockedByUser', 'teams', [403], 'gone'],
    ['ForbiddenOperationException', 'teams', [403], 'gone'],
    ['InvalidBotApiHost', 'teams', [403], 'misconfigured'],
    ['NotEnoughPermissions', 'teams', [403], 'misconfigured'],
    ['ActivityNotFoundInConversation', 'teams', [404], 'rejected'],
    ['ConversationNotFound', 'teams', [404], 'gone'],
    ['PreconditionFailed', 'teams', [412], 'exhausted'],
    ['MessageSizeTooBig', 'teams', [413], 'rejected'],
    ['Throttled', 'teams', [429], 'exhausted'],
    ['ServiceError', 'teams', [500, 502], 'teamsFault'],
    ['RetriesExhausted', 'gateway', [], 'exhausted'],
    ['Expired', 'gateway', [], 'expired'],
    ['ConversationRemoved', 'gateway', [], 'gone'],
    ['UntrustedServiceUrl', 'gateway', [], 'misconfigured'],
    ['MalformedDeliveryMessage', 'gateway', [], 'rejected'],
    ['invalid_client', 'identity', [], 'misconfigured'],
    ['temporarily_unavailable', 'identity', [], 'exhausted'],
    ['MaxDeliveryCountExceeded', 'serviceBus', [], 'exhausted'],
    ['TTLExpiredException', 'serviceBus', [], 'expired'],
    ['HeaderSizeExceeded', 'serviceBus', [], 'rejected'],
    ['Session ID is null', 'serviceBus', [], 'rejected'],
    ['MaxTransferHopCountExceeded', 'serviceBus', [], 'misconfigured'],
  ])('%s: source %s, statuses %j, class %s', (code, source, statuses, failureClass) => {
    const entry = findErrorCode(code);
    expect(entry).toMatchObject({ code, source, statuses, failureClass });
    expect(entry?.meaning.length).toBeGreaterThan(10);
  });

  it('has no two codes that normalise alike', () => {
    const normalised = errorCodeCatalogue.map((e) => normalizeErrorCode(e.code));
    expect(new Set(normalised).size).toBe(normalised.length);
  });
});

describe('findErrorCode', () => {
  it.each([
    ['badargument', 'BadArgument'],
    ['Bad Argument', 'BadArgument'],
    ['  BOTNOTINCONVERSATIONROSTER ', 'BotNotInConversationRoster'],
    ['INVALID_CLIENT', 'invalid_client'],
    ['invalid-client', 'invalid_client'],
    ['session id is null', 'Session ID is null'],
    ['ttlexpiredexception', 'TTLExpiredException'],
  ])('finds %j as %s', (spelling, code) => {
    expect(findErrorCode(spelling)?.code).toBe(code);
  });

  it.each([[undefined], [null], [''], ['NoSuchCode'], ['Bad Argument!']])('returns undefined for %j', (value) => {
    expect(findErrorCode(value)).toBeUndefined();
  });
});

describe('retryRuleFor', () => {
  const retryable = new Map([
    [412, 'backoff'],
    [429, 'retryAfter'],
    [502, 'backoff'],
    [503, 'backoff'],
    [504, 'backoff'],
  ]);

  it('retries exactly the statuses in Teams retry table and nothing else', () => {
    for (let status = 100; status <= 599; status++) {
      expect([status, retryRuleFor(status, undefined)]).toEqual([status, retryable.get(status) ?? 'never']);
    }
  });

  it('sends 403 InvalidBotApiHost to the GCC host and every other 403 nowhere', () => {
    expect(retryRuleFor(403, 'InvalidBotApiHost')).toBe('gccHost');
    for (const code of ['BotNotInConversationRoster', 'NotEnoughPermissions', 'BotDisabledByAdmin', undefined]) {
      expect(retryRuleFor(403, code)).toBe('never');
    }
    expect(retryRuleFor(404, 'InvalidBotApiHost')).toBe('never');
  });

  it('does not retry 500 (Teams lists it as "No")', () => {
    expect(retryRuleFor(500, 'ServiceError')).toBe('never');
    expect(retryRuleFor(502, 'ServiceError')).toBe('backoff');
  });
});

describe('teamsErrorCodeOf', () => {
  it.each([
    [403, 'BotNotInConversationRoster', undefined, 'BotNotInConversationRoster'],
    [403, 'botnotinconversationroster', undefined, 'BotNotInConversationRoster'],
    [400, 'Bad Argument', 'x', 'BadArgument'],
    [403, 'MessageWritesBlocked', 'Thread is blocked from message writes.', 'MessageWritesBlocked'],
    [503, undefined, undefined, 'Http503'],
    [503, '   ', 'Service is unavailable.', 'Http503'],
    [403, 'Forbidden', 'The bot is not part of the conversation roster.', 'BotNotInConversationRoster'],
    [403, undefined, "The bot isn't part of the conversation roster.", 'BotNotInConversationRoster'],
    [403, undefined, 'User blocked the conversation with the bot.', 'ConversationBlockedByUser'],
    [403, undefined, 'Invalid bot api host. For GCC tenants, call https://smba.infra.gcc.teams.microsoft.com.', 'InvalidBotApiHost'],
    [403, undefined, "Bot isn't installed in user's personal scope", 'ForbiddenOperationException'],
    [403, undefined, 'Bot is not installed in user\'s personal scope', 'ForbiddenOperationException'],
    [403, undefined, 'The tenant admin disabled this bot', 'BotDisabledByAdmin'],
    [403, 'Forbidden', 'something else', 'Http403'],
    // A message match is only trusted for the status it belongs to.
    [404, undefined, 'The bot is not part of the conversation roster.', 'Http404'],
    // An explicit specific code wins over a message that suggests another.
    [403, 'NotEnoughPermissions', 'The bot is not part of the conversation roster.', 'NotEnoughPermissions'],
    // A code from another source is not Teams' code.
    [401, 'invalid_client', undefined, 'invalid_client'],
  ])('HTTP %i code %j message %j → %s', (status, code, message, expected) => {
    expect(teamsErrorCodeOf(status, code, message)).toBe(expected);
  });

  it('keeps an unknown code short', () => {
    expect(teamsErrorCodeOf(400, 'X'.repeat(5000), undefined)).toHaveLength(100);
  });
});

describe('Http<status> codes', () => {
  it('round-trips', () => {
    for (const status of [400, 404, 418, 501, 599]) expect(statusOfHttpStatusCode(httpStatusCode(status))).toBe(status);
  });

  it.each([['http503', 503], [' Http404 ', 404], ['Http50', undefined], ['HttpABC', undefined], ['BadArgument', undefined]])('%j → %j', (code, status) => {
    expect(statusOfHttpStatusCode(code)).toBe(status);
  });
});

describe('failureClassOfStatus', () => {
  it.each([
    [401, 'misconfigured'],
    [400, 'rejected'],
    [403, 'rejected'],
    [404, 'rejected'],
    [409, 'rejected'],
    [413, 'rejected'],
    [412, 'exhausted'],
    [429, 'exhausted'],
    [502, 'exhausted'],
    [503, 'exhausted'],
    [504, 'exhausted'],
    [500, 'teamsFault'],
    [501, 'teamsFault'],
    [599, 'teamsFault'],
    [302, 'unknown'],
    [200, 'unknown'],
  ])('%i → %s', (status, failureClass) => {
    expect(failureClassOfStatus(status)).toBe(failureClass);
  });
});
