import { errorCodes, GatewayError } from '../errors';
import { maxTableStringLength } from '../store/tableStorageLimits';
import { type ConversationReference } from './conversationReference';

/**
 * The reference is stored as one JSON string property, which holds 32,768 UTF-16 characters
 * (tableStorageLimits.ts). Teams' own accounts are a few hundred characters; a reference that does not fit
 * is refused naming the largest of the parts copied from the activity, which is the one to look at.
 */
export function checkReferenceFits(reference: ConversationReference): GatewayError | undefined {
  const length = JSON.stringify(reference).length;
  if (length <= maxTableStringLength) return undefined;
  const parts: [string, unknown][] = [
    ['from', reference.user],
    ['recipient', reference.bot],
    ['conversation', reference.conversation],
    ['serviceUrl', reference.serviceUrl],
    ['locale', reference.locale],
  ];
  const sized = parts.map(([path, value]) => ({ path, size: value === undefined ? 0 : JSON.stringify(value).length }));
  const largest = sized.reduce((a, b) => (b.size > a.size ? b : a));
  const message = `is ${largest.size.toLocaleString('en-US')} characters as JSON; the stored reference may take ${maxTableStringLength.toLocaleString('en-US')} in all`;
  return new GatewayError(errorCodes.BadRequest, 'The activity cannot be stored: its conversation reference is larger than a Table property holds.', [{ path: largest.path, message }]);
}
