import { errorCodes, GatewayError } from '../errors';

/**
 * Table-safe keys. Azure Tables and Azurite reject `/`, `\`, `#`, `?` and control characters in PartitionKey
 * and RowKey (a `/` gives a bare 500), and percent signs are decoded inconsistently along the URL path, while
 * Teams ids contain `:`, `;`, `@`, `=` and, in other channels, `/`, `#`, `?`. base64url of the UTF-8 bytes
 * uses only `A-Z a-z 0-9 - _`: nothing to escape anywhere, exactly reversible, and hash-like spread for
 * partition keys. The readable id is kept as an ordinary property next to the key. Hand-written because no
 * library does Table key encoding; Buffer does the base64url.
 *
 * Composite keys join encoded parts with `.`, which base64url never produces, so parts cannot run together.
 */
export function encodeKeyPart(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

const base64urlPattern = /^[A-Za-z0-9_-]*$/;

export function decodeKeyPart(encoded: string): string {
  if (!base64urlPattern.test(encoded)) {
    throw new GatewayError(errorCodes.Internal, `Not an encoded key part: "${encoded}"`);
  }
  return Buffer.from(encoded, 'base64url').toString('utf8');
}

/** Upper bound for a prefix range query: `~` sorts after every base64url character and after `.`. */
export function prefixRange(prefix: string): { from: string; to: string } {
  return { from: prefix, to: `${prefix}~` };
}

/** Primary entity of a conversation: its own partition (point read by id alone, writes spread evenly). */
export function conversationEntityKeys(conversationId: string): { partitionKey: string; rowKey: string } {
  return { partitionKey: encodeKeyPart(conversationId), rowKey: 'conversation' };
}
