import { composeDescription, describeOutcome, maxDescriptionLength, statusInDescription } from '../../../shared/delivery/failureDescription';

describe('describeOutcome', () => {
  it.each([
    [{ kind: 'httpError', status: 403, code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' }, 'HTTP 403 ConversationBlockedByUser: User blocked the conversation with the bot.'],
    [{ kind: 'httpError', status: 503 }, 'HTTP 503'],
    [{ kind: 'httpError', status: 502, code: ' ', message: 'Bad gateway ' }, 'HTTP 502: Bad gateway'],
    [{ kind: 'timeout', timeoutInMs: 20000 }, 'no response within 20000 ms (timeout)'],
    [{ kind: 'networkError', code: 'ECONNRESET', message: 'socket hang up' }, 'network error ECONNRESET: socket hang up'],
    [{ kind: 'tokenError', code: 'invalid_client', message: 'AADSTS7000215' }, 'token acquisition failed invalid_client: AADSTS7000215'],
    [{ kind: 'untrustedServiceUrl', serviceUrl: 'https://evil.example/' }, 'serviceUrl https://evil.example/ is not a trusted Bot Connector host; nothing was sent'],
  ] as const)('%j → %s', (outcome, text) => {
    expect(describeOutcome(outcome)).toBe(text);
  });

  it('cuts a long Teams message so the status and code survive', () => {
    const text = describeOutcome({ kind: 'httpError', status: 400, code: 'BadArgument', message: 'y'.repeat(5000) });
    expect(text.startsWith('HTTP 400 BadArgument: yyy')).toBe(true);
    expect(text.length).toBeLessThan(450);
    expect(text.endsWith('…')).toBe(true);
  });
});

describe('composeDescription', () => {
  it('joins non-empty parts', () => {
    expect(composeDescription('HTTP 503', '', 'attempt 1 of 8')).toBe('HTTP 503; attempt 1 of 8');
  });

  it('never exceeds the maximum length', () => {
    expect(composeDescription('a'.repeat(2000), 'b'.repeat(2000))).toHaveLength(maxDescriptionLength);
  });
});

describe('statusInDescription', () => {
  it.each([
    ['HTTP 403 BotNotInConversationRoster: x', 403],
    ['HTTP 401: first; then HTTP 503', 401],
    ['network error ECONNRESET', undefined],
    ['HTTP 4031', undefined],
    ['XHTTP 403', undefined],
    ['', undefined],
    [undefined, undefined],
    [null, undefined],
  ])('%j → %j', (description, status) => {
    expect(statusInDescription(description)).toBe(status);
  });
});
