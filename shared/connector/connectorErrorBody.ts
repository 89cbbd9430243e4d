/**
 * What a Bot Connector error body says. Teams answers `{"error":{"code":"ConversationBlockedByUser",
 * "message":"User blocked the conversation with the bot."}}`; the Connector's own 401 is
 * `{"message":"Authorization has been denied for this request."}`; gateways in front of it answer with HTML or
 * nothing. Never throws.
 */
export interface ConnectorErrorBody {
  code?: string;
  message?: string;
}

const maxMessageLength = 1_000;

export function parseConnectorErrorBody(bodyText: string | undefined): ConnectorErrorBody {
  const text = bodyText?.trim() ?? '';
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (an HTML error page from a proxy): keep a bounded excerpt as the message.
    return { message: text.slice(0, maxMessageLength) };
  }
  if (typeof parsed !== 'object' || parsed === null) return { message: text.slice(0, maxMessageLength) };
  const body = parsed as { error?: unknown; code?: unknown; message?: unknown; Message?: unknown };
  const inner = typeof body.error === 'object' && body.error !== null ? (body.error as { code?: unknown; message?: unknown }) : undefined;
  const result: ConnectorErrorBody = {};
  const code = stringOf(inner?.code) ?? stringOf(body.code) ?? stringOf(body.error);
  const message = stringOf(inner?.message) ?? stringOf(body.message) ?? stringOf(body.Message);
  if (code !== undefined) result.code = code;
  if (message !== undefined) result.message = message.slice(0, maxMessageLength);
  return result;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
