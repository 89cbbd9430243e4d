import { z } from 'zod';

/**
 * What Azure Table Storage can hold, checked before anything is written, so input it cannot store is a 400
 * naming the field instead of a storage failure (a 503 the caller would repeat forever).
 *
 * - PartitionKey and RowKey: at most 1 KiB each, i.e. 512 UTF-16 characters (Azurite enforces the same 512).
 *   Keys are base64url of the id's UTF-8 (4/3 longer) with short prefixes, the longest being a personal
 *   chat's index row `u.<user>.<conversation>`: 2 + 88 + 1 + 400 = 491 characters for the limits below.
 * - A string property: at most 64 KiB, i.e. 32,768 UTF-16 characters.
 * https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
 *
 * Teams ids (`a:1…`, `19:…@thread.tacv2;messageid=…`, `29:…`) are well under 300 bytes; tenant and user ids
 * are Entra GUIDs (36 characters).
 */
export const maxTeamsIdBytes = 300;
export const maxEntraIdBytes = 64;
export const maxTableStringLength = 32_768;

/**
 * Characters refused in every id: C0 and C1 controls and U+2028/U+2029 (Azurite fails a batch write that
 * carries U+2028 in a property with a 500, which the caller saw as a 503 on every retry), and lone
 * surrogates, which UTF-8 cannot carry at all. No Teams or Entra id contains any of them.
 */
// eslint-disable-next-line no-control-regex
const unstorableCharacter = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/**
 * The same check as a zod refinement (`z.string().min(1).superRefine(storableId(maxTeamsIdBytes))`); an empty
 * string is left to the schema's own `min(1)` message. `label` prefixes the message ("conversationId is ...").
 */
export function storableId(maxBytes: number, label?: string): (id: string, ctx: z.RefinementCtx) => void {
  return (id, ctx) => {
    const problem = id === '' ? undefined : idStorageProblem(id, maxBytes);
    if (problem !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: label === undefined ? problem : `${label} ${problem}` });
  };
}

/** A non-empty id that becomes (part of) a Table key: one storage could not hold is refused up front. */
export function storableIdSchema(maxBytes: number): z.ZodEffects<z.ZodString> {
  return z.string().min(1).superRefine(storableId(maxBytes));
}

/** Why `id` cannot be stored as a key, or undefined when it can. */
export function idStorageProblem(id: string, maxBytes: number): string | undefined {
  if (id === '') return 'must not be empty';
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes > maxBytes) return `is ${bytes.toLocaleString('en-US')} bytes (UTF-8); at most ${maxBytes} can be stored`;
  const bad = unstorableCharacter.exec(id);
  if (bad !== null) return `contains ${describe(bad[0])} at position ${bad.index}, which cannot be stored (control characters, line or paragraph separators, lone surrogates)`;
  return undefined;
}

function describe(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
