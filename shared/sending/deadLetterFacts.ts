/**
 * Facts the send function hands the deadLetter function inside `deadLetterErrorDescription`, the only channel
 * a dead-lettered message carries besides its body. Written as `key=value` notes (`%`, `;` and white space
 * percent-encoded, so no separator occurs in a value) appended to the composed description, whose first part
 * stays the failure (`HTTP 403 ...`, failureDescription.ts).
 */

/** Reason of a message whose copy was posted but whose `sent` status could not be written (storage down). */
export const sentNotRecordedReason = 'SentNotRecorded';

export interface SentCopy {
  activityId: string;
  /** The personal chat created for a `createFor` delivery. */
  conversationId?: string;
}

/** When the send saw the failure: the event time a prune is ordered by (a re-install stamped later wins). */
export function seenAtNote(at: Date): string {
  return note('seenAt', at.toISOString());
}

export function seenAtIn(description: string | undefined | null): Date | undefined {
  const value = valueIn(description, 'seenAt');
  if (value === undefined) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** Carries the posted copy's ids, so the deadLetter function records `sent` once storage answers again. */
export function sentCopyNotes(copy: SentCopy): string[] {
  const notes = [note('activityId', copy.activityId)];
  if (copy.conversationId !== undefined) notes.push(note('conversationId', copy.conversationId));
  return notes;
}

export function sentCopyIn(description: string | undefined | null): SentCopy | undefined {
  const activityId = valueIn(description, 'activityId');
  if (activityId === undefined || activityId === '') return undefined;
  const conversationId = valueIn(description, 'conversationId');
  return conversationId === undefined ? { activityId } : { activityId, conversationId };
}

function note(key: string, value: string): string {
  return `${key}=${value.replace(/[%;\s]/g, (c) => encodeURIComponent(c))}`;
}

function valueIn(description: string | undefined | null, key: string): string | undefined {
  if (typeof description !== 'string') return undefined;
  const match = new RegExp(`(?:^|[\\s;])${key}=([^\\s;]*)`).exec(description);
  if (match?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}
