import {
  type FailureClass,
  failureClassOfStatus,
  findErrorCode,
  gatewayReasons,
  statusOfHttpStatusCode,
} from '../connector/teamsErrorCodes';
import { statusInDescription } from './failureDescription';

/**
 * The deadLetter function's judgement of one dead-lettered message: which class of failure, whether the
 * conversation is pruned, and the final status to record. Total over any input: unknown, empty or odd
 * reasons classify as `unknown` (or by their HTTP status), never throw.
 */
export interface DeadLetterInput {
  deadLetterReason?: string | null;
  deadLetterErrorDescription?: string | null;
}

export interface DeadLetterClassification {
  failureClass: FailureClass;
  /** The reason in the catalogue's spelling when known, else as received (trimmed); `Unknown` when empty. */
  code: string;
  /** Mark the conversation removed (reason = code). */
  prune: boolean;
  finalStatus: 'failed' | 'skipped';
  /** The HTTP status of the deciding failure, when the description or code names one. */
  httpStatus?: number;
}

export const unknownReason = 'Unknown';

/**
 * Pruning is per conversation, also for BotDisabledByAdmin although Teams disables the bot tenant-wide: the
 * gateway only learns that the bot is allowed again from an activity in a conversation (which restores that
 * conversation), so pruning the whole tenant would leave every other conversation removed with no event to
 * bring it back. Each other conversation of the tenant costs one failed send before it is pruned too.
 */
export function classifyDeadLetter(input: DeadLetterInput): DeadLetterClassification {
  const raw = typeof input.deadLetterReason === 'string' ? input.deadLetterReason.trim() : '';
  const description = typeof input.deadLetterErrorDescription === 'string' ? input.deadLetterErrorDescription : undefined;
  const httpStatus = statusInDescription(description) ?? statusOfHttpStatusCode(raw);
  const entry = findErrorCode(raw);
  const code = entry?.code ?? (raw === '' ? unknownReason : raw);
  const failureClass = classOf(entry?.code, entry?.failureClass, httpStatus);
  const skippedBeforeSending = entry?.code === gatewayReasons.ConversationRemoved;
  const result: DeadLetterClassification = {
    failureClass,
    code,
    // ConversationRemoved: already pruned when it was removed; nothing was sent.
    prune: failureClass === 'gone' && !skippedBeforeSending,
    finalStatus: skippedBeforeSending ? 'skipped' : 'failed',
  };
  if (httpStatus !== undefined) result.httpStatus = httpStatus;
  return result;
}

function classOf(code: string | undefined, catalogued: FailureClass | undefined, httpStatus: number | undefined): FailureClass {
  // Retries that ran out on 401s were never transient token trouble: the bot's identity is wrong.
  if (code === gatewayReasons.RetriesExhausted && httpStatus === 401) return 'misconfigured';
  if (catalogued !== undefined) return catalogued;
  if (httpStatus !== undefined) return failureClassOfStatus(httpStatus);
  return 'unknown';
}
