import fc from 'fast-check';

import { composeDescription, statusInDescription } from '../../../shared/delivery/failureDescription';
import { seenAtIn, seenAtNote, sentCopyIn, sentCopyNotes } from '../../../shared/sending/deadLetterFacts';

describe('deadLetterFacts', () => {
  const at = new Date('2026-03-01T08:00:00.123Z');

  it('round-trips the time a failure was seen, after the failure that stays first', () => {
    const description = composeDescription('HTTP 403 ConversationBlockedByUser: blocked', 'attempt 1 of 8', seenAtNote(at));
    expect(description.startsWith('HTTP 403 ConversationBlockedByUser')).toBe(true);
    expect(statusInDescription(description)).toBe(403);
    expect(seenAtIn(description)).toEqual(at);
  });

  it('finds nothing in descriptions without the note, or with a broken one', () => {
    expect(seenAtIn(undefined)).toBeUndefined();
    expect(seenAtIn(null)).toBeUndefined();
    expect(seenAtIn('HTTP 503')).toBeUndefined();
    expect(seenAtIn('seenAt=yesterday')).toBeUndefined();
    expect(seenAtIn('unseenAt=2026-03-01T08:00:00.000Z')).toBeUndefined();
    expect(sentCopyIn('activityId=')).toBeUndefined();
    expect(sentCopyIn('activityId=%E0%A4%A')).toBeUndefined();
  });

  it('property: any activity and conversation id survive a description, whatever they contain', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.option(fc.string({ minLength: 1, maxLength: 120 }), { nil: undefined }), (activityId, conversationId) => {
        const copy = conversationId === undefined ? { activityId } : { activityId, conversationId };
        const description = composeDescription('posted, but the status write failed: down; really', ...sentCopyNotes(copy), seenAtNote(at));
        expect(sentCopyIn(description)).toEqual(copy);
        expect(seenAtIn(description)).toEqual(at);
      }),
    );
  });
});
