import { type IssuedToken, type OutboundCredential } from '../../../shared/auth/outboundCredential';
import { OutboundTokenError } from '../../../shared/auth/outboundTokenError';
import { createOutboundTokenProvider } from '../../../shared/auth/outboundTokenProvider';
import { loadConfig } from '../../../shared/config';
import { errorCodes, isGatewayError } from '../../../shared/errors';

const minute = 60_000;
const config = loadConfig({ MicrosoftAppId: 'app', MicrosoftAppPassword: 'not-logged', TablesConnection: 'UseDevelopmentStorage=true' });

interface Deferred {
  resolve(token: IssuedToken): void;
  reject(error: unknown): void;
}

/** A credential whose every token request waits until the test answers it. */
class ScriptedCredential implements OutboundCredential {
  readonly pending: Deferred[] = [];
  calls = 0;
  issueToken(): Promise<IssuedToken> {
    this.calls += 1;
    return new Promise<IssuedToken>((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  answer(token: string, expiresOnTimestamp: number): void {
    const next = this.pending.shift();
    if (next === undefined) throw new Error('no token request is waiting');
    next.resolve({ token, expiresOnTimestamp });
  }
  fail(error: unknown): void {
    const next = this.pending.shift();
    if (next === undefined) throw new Error('no token request is waiting');
    next.reject(error);
  }
}

/** Lets pending promise callbacks run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function setUp(options: { acquisitionTimeoutInMs?: number } = {}) {
  let clock = Date.parse('2026-03-01T08:00:00Z');
  const credential = new ScriptedCredential();
  const warnings: Array<{ message: string; properties: Record<string, unknown> }> = [];
  const provider = createOutboundTokenProvider(config, {
    credential,
    now: () => new Date(clock),
    warn: (message, properties) => warnings.push({ message, properties }),
    ...options,
  });
  return {
    provider,
    credential,
    warnings,
    get now() {
      return clock;
    },
    advance(ms: number) {
      clock += ms;
    },
  };
}

describe('outbound token provider', () => {
  it('acquires once for many concurrent callers and then serves the cache', async () => {
    const t = setUp();
    const waiting = Promise.all([t.provider.getToken(), t.provider.getToken(), t.provider.getToken()]);
    await settle();
    expect(t.credential.calls).toBe(1);
    t.credential.answer('token-1', t.now + 60 * minute);
    expect(await waiting).toEqual(['token-1', 'token-1', 'token-1']);
    t.advance(10 * minute);
    expect(await t.provider.getToken()).toBe('token-1');
    expect(t.credential.calls).toBe(1);
  });

  it('refreshes ahead of expiry in the background, serving the cached token meanwhile (one refresh only)', async () => {
    const t = setUp();
    const first = t.provider.getToken();
    t.credential.answer('token-1', t.now + 60 * minute);
    await first;
    t.advance(31 * minute);
    expect(await t.provider.getToken()).toBe('token-1');
    expect(await t.provider.getToken()).toBe('token-1');
    expect(t.credential.calls).toBe(2);
    t.credential.answer('token-2', t.now + 60 * minute);
    await settle();
    expect(await t.provider.getToken()).toBe('token-2');
    expect(t.credential.calls).toBe(2);
  });

  it('waits for a new token once the cached one is too close to expiry', async () => {
    const t = setUp();
    const first = t.provider.getToken();
    t.credential.answer('token-1', t.now + 60 * minute);
    await first;
    t.advance(60 * minute - 10_000);
    let answered: string | undefined;
    const next = t.provider.getToken().then((token) => (answered = token));
    await settle();
    expect(answered).toBeUndefined();
    t.credential.answer('token-2', t.now + 60 * minute);
    await next;
    expect(answered).toBe('token-2');
  });

  it('keeps serving the cached token when a background refresh fails, warns without the token, and backs off', async () => {
    const t = setUp();
    const first = t.provider.getToken();
    t.credential.answer('token-1', t.now + 60 * minute);
    await first;
    t.advance(40 * minute);
    expect(await t.provider.getToken()).toBe('token-1');
    t.credential.fail(new Error('temporarily_unavailable: Description: AADSTS50196'));
    await settle();
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]!.properties.tokenErrorCode).toBe('temporarily_unavailable');
    expect(JSON.stringify(t.warnings)).not.toContain('token-1');
    expect(await t.provider.getToken()).toBe('token-1');
    expect(t.credential.calls).toBe(2);
    t.advance(30_000);
    expect(await t.provider.getToken()).toBe('token-1');
    expect(t.credential.calls).toBe(3);
  });

  it('forceRefresh drops the cache so the next token is a new one', async () => {
    const t = setUp();
    const first = t.provider.getToken();
    t.credential.answer('token-1', t.now + 60 * minute);
    await first;
    const forced = t.provider.forceRefresh('token-1');
    await settle();
    expect(t.credential.calls).toBe(2);
    t.credential.answer('token-2', t.now + 60 * minute);
    expect(await forced).toBe('token-2');
    expect(await t.provider.getToken()).toBe('token-2');
  });

  it('a burst of 401s for the same token costs one token request', async () => {
    const t = setUp();
    const first = t.provider.getToken();
    t.credential.answer('token-1', t.now + 60 * minute);
    await first;
    const burst = Promise.all([t.provider.forceRefresh('token-1'), t.provider.forceRefresh('token-1'), t.provider.forceRefresh('token-1')]);
    await settle();
    t.credential.answer('token-2', t.now + 60 * minute);
    expect(await burst).toEqual(['token-2', 'token-2', 'token-2']);
    // A late 401 for the old token gets the replacement without another request.
    expect(await t.provider.forceRefresh('token-1')).toBe('token-2');
    expect(t.credential.calls).toBe(2);
  });

  it('forceRefresh without a rejected token always asks for a new one', async () => {
    const t = setUp();
    const first = t.provider.getToken();
    t.credential.answer('token-1', t.now + 60 * minute);
    await first;
    const forced = t.provider.forceRefresh();
    await settle();
    t.credential.answer('token-2', t.now + 60 * minute);
    expect(await forced).toBe('token-2');
    expect(t.credential.calls).toBe(2);
  });

  it('reports a failed acquisition as TokenAcquisitionFailed with the AAD code, and tries again on the next call', async () => {
    const t = setUp();
    const first = t.provider.getToken();
    t.credential.fail(new Error('invalid_client: Error(s): 7000215 - Description: AADSTS7000215: Invalid client secret provided.'));
    const error = await first.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundTokenError);
    expect(isGatewayError(error, errorCodes.TokenAcquisitionFailed)).toBe(true);
    expect((error as OutboundTokenError).tokenErrorCode).toBe('invalid_client');
    const second = t.provider.getToken();
    await settle();
    expect(t.credential.calls).toBe(2);
    t.credential.answer('token-1', t.now + 60 * minute);
    expect(await second).toBe('token-1');
  });

  it('gives up on an acquisition that never answers with code timeout', async () => {
    const t = setUp({ acquisitionTimeoutInMs: 20 });
    const error = await t.provider.getToken().catch((e: unknown) => e);
    expect((error as OutboundTokenError).tokenErrorCode).toBe('timeout');
    t.credential.pending.shift(); // the abandoned request
    // The next call starts a new acquisition instead of waiting on the abandoned one.
    const next = t.provider.getToken();
    await settle();
    expect(t.credential.calls).toBe(2);
    t.credential.answer('token-1', t.now + 60 * minute);
    expect(await next).toBe('token-1');
  });
});
