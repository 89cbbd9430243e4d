import fc from 'fast-check';

import { errorCodeCatalogue } from '../../../shared/connector/teamsErrorCodes';
import { classifyDeadLetter } from '../../../shared/delivery/failureClassification';

describe('classifyDeadLetter', () => {
  it.each([
    // gone: prune the conversation
    ['BotNotInConversationRoster', 'gone', true, 'failed'],
    ['ConversationNotFound', 'gone', true, 'failed'],
    ['ConversationBlockedByUser', 'gone', true, 'failed'],
    ['BotDisabledByAdmin', 'gone', true, 'failed'],
    ['ForbiddenOperationException', 'gone', true, 'failed'],
    // skipped before sending: already removed, nothing to prune
    ['ConversationRemoved', 'gone', false, 'skipped'],
    ['BadArgument', 'rejected', false, 'failed'],
    ['MessageSizeTooBig', 'rejected', false, 'failed'],
    ['ActivityNotFoundInConversation', 'rejected', false, 'failed'],
    ['MalformedDeliveryMessage', 'rejected', false, 'failed'],
    ['BotNotRegistered', 'misconfigured', false, 'failed'],
    ['NotEnoughPermissions', 'misconfigured', false, 'failed'],
    ['UntrustedServiceUrl', 'misconfigured', false, 'failed'],
    ['InvalidBotApiHost', 'misconfigured', false, 'failed'],
    ['invalid_client', 'misconfigured', false, 'failed'],
    ['RetriesExhausted', 'exhausted', false, 'failed'],
    ['MaxDeliveryCountExceeded', 'exhausted', false, 'failed'],
    ['Expired', 'expired', false, 'failed'],
    ['TTLExpiredException', 'expired', false, 'failed'],
    ['ServiceError', 'teamsFault', false, 'failed'],
    ['Session ID is null', 'rejected', false, 'failed'],
  ])('%s → %s, prune %s, %s', (reason, failureClass, prune, finalStatus) => {
    expect(classifyDeadLetter({ deadLetterReason: reason, deadLetterErrorDescription: 'whatever' })).toEqual({ failureClass, code: reason, prune, finalStatus });
  });

  it.each([
    ['botnotinconversationroster', 'BotNotInConversationRoster'],
    ['  CONVERSATIONBLOCKEDBYUSER  ', 'ConversationBlockedByUser'],
    ['Bad Argument', 'BadArgument'],
    ['ttlexpiredexception', 'TTLExpiredException'],
    ['maxdeliverycountexceeded', 'MaxDeliveryCountExceeded'],
  ])('is case- and space-insensitive: %j → %s', (reason, code) => {
    expect(classifyDeadLetter({ deadLetterReason: reason }).code).toBe(code);
  });

  it('reads the HTTP status of the deciding failure from the description', () => {
    const result = classifyDeadLetter({
      deadLetterReason: 'BotNotInConversationRoster',
      deadLetterErrorDescription: 'HTTP 403 BotNotInConversationRoster: The bot is not part of the conversation roster.; attempt 1 of 8; not retried',
    });
    expect(result).toEqual({ failureClass: 'gone', code: 'BotNotInConversationRoster', prune: true, finalStatus: 'failed', httpStatus: 403 });
  });

  it('classes retries that ran out on 401s as misconfigured, on anything else as exhausted', () => {
    expect(classifyDeadLetter({ deadLetterReason: 'RetriesExhausted', deadLetterErrorDescription: 'HTTP 401: denied; attempt 8 of 8, after a retry with a fresh token; retries exhausted' }).failureClass).toBe(
      'misconfigured',
    );
    expect(classifyDeadLetter({ deadLetterReason: 'RetriesExhausted', deadLetterErrorDescription: 'HTTP 503: unavailable; attempt 8 of 8; retries exhausted' }).failureClass).toBe('exhausted');
    expect(classifyDeadLetter({ deadLetterReason: 'RetriesExhausted', deadLetterErrorDescription: 'network error ECONNRESET: hang up' }).failureClass).toBe('exhausted');
  });

  it('an Expired delivery stays expired whatever its last failure was', () => {
    expect(classifyDeadLetter({ deadLetterReason: 'Expired', deadLetterErrorDescription: 'HTTP 401: denied; expired at x' }).failureClass).toBe('expired');
  });

  it.each([
    ['SomeNewTeamsCode', 'HTTP 403 SomeNewTeamsCode: no idea', 'rejected', 403],
    ['SomeNewTeamsCode', 'HTTP 401 SomeNewTeamsCode: no idea', 'misconfigured', 401],
    ['SomeNewTeamsCode', 'HTTP 500 SomeNewTeamsCode: boom', 'teamsFault', 500],
    ['SomeNewTeamsCode', 'HTTP 502: bad gateway', 'exhausted', 502],
    ['Http404', undefined, 'rejected', 404],
    ['Http501', 'HTTP 501: not implemented', 'teamsFault', 501],
  ])('falls back on the HTTP status for an unknown code: %s / %j → %s', (reason, description, failureClass, httpStatus) => {
    expect(classifyDeadLetter({ deadLetterReason: reason, deadLetterErrorDescription: description })).toEqual({
      failureClass,
      code: reason,
      prune: false,
      finalStatus: 'failed',
      httpStatus,
    });
  });

  it.each([[undefined], [null], [''], ['   ']])('an absent reason %j is unknown', (reason) => {
    expect(classifyDeadLetter({ deadLetterReason: reason, deadLetterErrorDescription: null })).toEqual({
      failureClass: 'unknown',
      code: 'Unknown',
      prune: false,
      finalStatus: 'failed',
    });
  });

  it('an unknown reason without a status is unknown, kept as received', () => {
    expect(classifyDeadLetter({ deadLetterReason: ' poison pill ', deadLetterErrorDescription: 'someone else dead-lettered this' })).toEqual({
      failureClass: 'unknown',
      code: 'poison pill',
      prune: false,
      finalStatus: 'failed',
    });
  });

  it('survives inputs that are not strings at run time', () => {
    const odd = { deadLetterReason: 42, deadLetterErrorDescription: { a: 1 } } as unknown as Parameters<typeof classifyDeadLetter>[0];
    expect(classifyDeadLetter(odd)).toEqual({ failureClass: 'unknown', code: 'Unknown', prune: false, finalStatus: 'failed' });
  });

  it('classifies every catalogue code as its catalogue says (prune only for gone)', () => {
    for (const entry of errorCodeCatalogue) {
      const result = classifyDeadLetter({ deadLetterReason: entry.code });
      expect([entry.code, result.failureClass]).toEqual([entry.code, entry.failureClass]);
      expect(result.prune).toBe(entry.failureClass === 'gone' && entry.code !== 'ConversationRemoved');
    }
  });

  it('property: total over arbitrary strings; prune implies gone and failed', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), fc.option(fc.string(), { nil: undefined }), (reason, description) => {
        const result = classifyDeadLetter({ deadLetterReason: reason, deadLetterErrorDescription: description });
        expect(result.code.length).toBeGreaterThan(0);
        if (result.prune) {
          expect(result.failureClass).toBe('gone');
          expect(result.finalStatus).toBe('failed');
        }
      }),
    );
  });
});
