import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { callbackHeaderNames, callbackSignature, verifyCallbackSignature } from '../../../shared/callbacks/callbackSignature';

const secret = 'test-signing-secret-0123456789abcdef';
const body = '{"eventId":"evt_1","type":"notification.final","notificationId":"n-1","status":"completed"}';
const timestamp = 1_790_000_000;
/** Computed independently of the code under test: HMAC-SHA256 over "<timestamp>.<body>", hex. */
const knownSignature = `v1=${createHmac('sha256', Buffer.from(secret, 'utf8'))
  .update(Buffer.from(`${String(timestamp)}.${body}`, 'utf8'))
  .digest('hex')}`;

type ReadmeVerify = (secret: string, headers: Record<string, string | undefined>, rawBody: string, nowInSeconds?: number) => boolean;

/** The README's verification snippet (the `js callback-verify` block), run as a receiver would paste it. */
function readmeVerify(): ReadmeVerify {
  const readme = readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
  const block = /^```js callback-verify\n([\s\S]*?)^```$/m.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no `js callback-verify` block');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the README's own code, run as a reader would
  return new Function('require', `${block}\nreturn verifyGatewayCallback;`)(require) as ReadmeVerify;
}

describe('callback signature', () => {
  it('is v1=<hex HMAC-SHA256(secret, timestamp "." body)>', () => {
    expect(callbackSignature(secret, timestamp, body)).toBe(knownSignature);
    expect(knownSignature).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it('verifies with the gateway helper: good signature, tampered body, other secret, old or future timestamp', () => {
    const now = new Date(timestamp * 1000 + 60_000);
    const headers = { timestamp: String(timestamp), signature: knownSignature };
    expect(verifyCallbackSignature(secret, headers, body, now)).toEqual({ valid: true });
    expect(verifyCallbackSignature(secret, headers, body.replace('completed', 'failed'), now)).toEqual({ valid: false, reason: 'signature does not match' });
    expect(verifyCallbackSignature(`${secret}x`, headers, body, now)).toMatchObject({ valid: false });
    expect(verifyCallbackSignature(secret, headers, body, new Date((timestamp + 301) * 1000))).toMatchObject({ valid: false, reason: expect.stringMatching(/5-minute/) as string });
    expect(verifyCallbackSignature(secret, headers, body, new Date((timestamp - 301) * 1000))).toMatchObject({ valid: false });
    expect(verifyCallbackSignature(secret, { timestamp: 'soon', signature: knownSignature }, body, now)).toMatchObject({ valid: false });
    expect(verifyCallbackSignature(secret, { timestamp: String(timestamp), signature: undefined }, body, now)).toMatchObject({ valid: false });
  });

  it("the README's snippet accepts the known vector and rejects a tampered body or an old timestamp", () => {
    const verify = readmeVerify();
    const headers = { [callbackHeaderNames.timestamp.toLowerCase()]: String(timestamp), [callbackHeaderNames.signature.toLowerCase()]: knownSignature };
    expect(verify(secret, headers, body, timestamp + 10)).toBe(true);
    expect(verify(secret, headers, `${body} `, timestamp + 10)).toBe(false);
    expect(verify(secret, headers, body, timestamp + 301)).toBe(false);
    expect(verify('another-secret', headers, body, timestamp + 10)).toBe(false);
    expect(verify(secret, { ...headers, 'x-gateway-signature': knownSignature.slice(0, -1) }, body, timestamp + 10)).toBe(false);
  });
});
