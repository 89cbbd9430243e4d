import { type Reply } from './httpExchange';

/**
 * The Bot Connector's error answers as Teams documents them ("Status codes from bot conversational APIs" in
 * Teams' "Send and receive messages"): `{"error":{"code","message"}}` with the documented code and message.
 */
export interface TeamsErrorBody {
  error: { code: string; message: string };
}

function teamsError(status: number, code: string, message: string, headers?: Record<string, string>): Reply {
  const body: TeamsErrorBody = { error: { code, message } };
  return headers === undefined ? { status, body } : { status, body, headers };
}

export const teamsErrors = {
  badArgument: (message: string): Reply => teamsError(400, 'BadArgument', message),
  /** Token signed and aimed right, but for an app id that is not the registered bot. */
  botNotRegistered: (): Reply => teamsError(401, 'BotNotRegistered', 'No registration found for this bot.'),
  botDisabledByAdmin: (): Reply => teamsError(403, 'BotDisabledByAdmin', 'The tenant admin disabled this bot'),
  botNotInConversationRoster: (): Reply =>
    teamsError(403, 'BotNotInConversationRoster', "The bot isn't part of the conversation roster."),
  conversationBlockedByUser: (): Reply => teamsError(403, 'ConversationBlockedByUser', 'User blocked the conversation with the bot.'),
  forbiddenOperation: (): Reply => teamsError(403, 'ForbiddenOperationException', "Bot isn't installed in user's personal scope"),
  /**
   * Posting to an archived (read-only) team. Teams does not document this answer; the emulator uses the
   * documented "not allowed here" code so a client treats it as final, as it does for an uninstalled bot.
   */
  teamArchived: (): Reply => teamsError(403, 'ForbiddenOperationException', 'The team is archived and read-only.'),
  invalidBotApiHost: (): Reply =>
    teamsError(403, 'InvalidBotApiHost', 'Invalid bot api host. For GCC tenants, call https://smba.infra.gcc.teams.microsoft.com.'),
  // The documented message for an unknown activity is, verbatim, "Conversation not found."
  activityNotFound: (): Reply => teamsError(404, 'ActivityNotFoundInConversation', 'Conversation not found.'),
  conversationNotFound: (): Reply => teamsError(404, 'ConversationNotFound', 'Conversation not found.'),
  preconditionFailed: (): Reply => teamsError(412, 'PreconditionFailed', 'Precondition failed, please try again.'),
  messageSizeTooBig: (): Reply => teamsError(413, 'MessageSizeTooBig', 'Message size too large.'),
  throttled: (retryAfterInSeconds: number): Reply =>
    teamsError(429, 'Throttled', 'Too many requests.', { 'retry-after': String(retryAfterInSeconds) }),
  serviceError: (status: 500 | 502): Reply => teamsError(status, 'ServiceError', status === 500 ? 'Internal server error.' : 'Service dependency issue.'),
  serviceUnavailable: (): Reply => teamsError(503, 'ServiceUnavailable', 'Service is unavailable.'),
  gatewayTimeout: (): Reply => teamsError(504, 'GatewayTimeout', 'Gateway Timeout.'),
  /** A 429 with no Retry-After at all: the client has to pick its own backoff. */
  throttledWithoutRetryAfter: (): Reply => teamsError(429, 'Throttled', 'Too many requests.'),
  /** Retry-After as an HTTP-date (RFC 9110 allows it) rather than seconds. */
  throttledUntil: (at: Date): Reply => teamsError(429, 'Throttled', 'Too many requests.', { 'retry-after': at.toUTCString() }),
  /** A load balancer's HTML error page instead of Teams' JSON. */
  badGatewayHtml: (): Reply => ({
    status: 502,
    rawBody: { contentType: 'text/html', text: '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>' },
  }),
  serviceUnavailableEmpty: (): Reply => ({ status: 503 }),
  /** What the Connector's web stack answers for a missing, forged, expired or wrong-audience bearer token. */
  unauthorized: (): Reply => ({ status: 401, body: { message: 'Authorization has been denied for this request.' } }),
  /**
   * A `from` that is not the bot's own channel account: field reports of Teams bots show a bare 403 with an
   * empty body, which is exactly what makes this failure hard to diagnose.
   */
  forbiddenSender: (): Reply => ({ status: 403 }),
};
