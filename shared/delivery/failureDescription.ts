import { type ConnectorOutcome } from '../connector/connectorOutcome';

/**
 * The human description a failed delivery carries in `deadLetterErrorDescription` and its status record. One
 * convention makes it machine-readable too: the failure that decided the outcome is written first, and an
 * HTTP failure starts `HTTP <status>`, so the deadLetter function recovers the status (statusInDescription)
 * without a second channel.
 */

/** Service Bus keeps descriptions short; Teams' messages are cut first so the status and code survive. */
export const maxDescriptionLength = 1024;
const maxTeamsMessageLength = 400;

type FailedOutcome = Exclude<ConnectorOutcome, { kind: 'success' }>;

/** `HTTP 403 BotNotInConversationRoster: The bot is not part of the conversation roster.` and the like. */
export function describeOutcome(outcome: FailedOutcome): string {
  switch (outcome.kind) {
    case 'httpError': {
      const code = outcome.code?.trim() ? ` ${outcome.code.trim()}` : '';
      const message = outcome.message?.trim() ? `: ${truncate(outcome.message.trim(), maxTeamsMessageLength)}` : '';
      return `HTTP ${outcome.status}${code}${message}`;
    }
    case 'timeout':
      return `no response within ${outcome.timeoutInMs} ms (timeout)`;
    case 'networkError':
      return `network error ${outcome.code}: ${truncate(outcome.message, maxTeamsMessageLength)}`;
    case 'tokenError':
      return `token acquisition failed ${outcome.code}: ${truncate(outcome.message, maxTeamsMessageLength)}`;
    case 'untrustedServiceUrl':
      return `serviceUrl ${truncate(outcome.serviceUrl, 200)} is not a trusted Bot Connector host; nothing was sent`;
  }
}

/** Joins the parts of a description and keeps it within Service Bus's comfortable size. */
export function composeDescription(...parts: string[]): string {
  return truncate(parts.filter((p) => p !== '').join('; '), maxDescriptionLength);
}

/** The HTTP status of the failure a description was written for (its first `HTTP nnn`), if any. */
export function statusInDescription(description: string | undefined | null): number | undefined {
  if (description === undefined || description === null) return undefined;
  const match = /\bHTTP (\d{3})\b/.exec(description);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
