import { parseAllowedHosts } from '../../../shared/callbacks/callbackHosts';
import { callbackUrlProblem, maxCallbackUrlLength, parseCallbackRequest } from '../../../shared/callbacks/callbackRequest';
import { type CallbackUrlPolicy } from '../../../shared/callbacks/callbackSettings';
import { validateNotificationRequest } from '../../../shared/notifications/request/notificationRequest';

const azure: CallbackUrlPolicy = { allowedHosts: parseAllowedHosts('hooks.contoso.com, *.fabrikam.net,20.190.151.68,10.0.0.5,[::1]'), allowPrivateNetwork: false };
const local: CallbackUrlPolicy = { allowedHosts: ['localhost', '127.0.0.1'], allowPrivateNetwork: true };

describe('callback URL validation', () => {
  it('accepts an https URL on the allowlist, with a port, path and query', () => {
    expect(callbackUrlProblem('https://hooks.contoso.com/teams?token=abc', azure)).toBeUndefined();
    expect(callbackUrlProblem('https://HOOKS.contoso.com:8443/teams', azure)).toBeUndefined();
  });

  it('matches *.domain for subdomains at any depth, never the bare domain or a look-alike', () => {
    expect(callbackUrlProblem('https://a.fabrikam.net/x', azure)).toBeUndefined();
    expect(callbackUrlProblem('https://a.b.fabrikam.net/x', azure)).toBeUndefined();
    expect(callbackUrlProblem('https://fabrikam.net/x', azure)).toMatch(/not in the gateway's callback allowlist/);
    expect(callbackUrlProblem('https://evilfabrikam.net/x', azure)).toMatch(/not in the gateway's callback allowlist/);
    expect(callbackUrlProblem('https://hooks.contoso.com.evil.io/x', azure)).toMatch(/allowlist/);
  });

  it.each([
    ['http://hooks.contoso.com/x', /must use https/],
    ['ftp://hooks.contoso.com/x', /must use https/],
    ['https://user:pass@hooks.contoso.com/x', /user name or password/],
    ['https://hooks.contoso.com/x#frag', /fragment/],
    ['hooks.contoso.com/x', /absolute https URL/],
    [`https://hooks.contoso.com/${'a'.repeat(maxCallbackUrlLength)}`, /at most 2048 characters/],
  ])('refuses %s', (url, problem) => {
    expect(callbackUrlProblem(url, azure)).toMatch(problem);
  });

  it('refuses a literal private or loopback address even when allowlisted, unless the private-network switch is on', () => {
    expect(callbackUrlProblem('https://10.0.0.5/x', azure)).toMatch(/non-public address/);
    expect(callbackUrlProblem('https://[::1]/x', azure)).toMatch(/non-public address/);
    expect(callbackUrlProblem('https://20.190.151.68/x', azure)).toBeUndefined();
    expect(callbackUrlProblem('https://127.0.0.1:7072/callbacks/demo', local)).toBeUndefined();
  });

  it('sees through the numeric forms URL parsing normalizes (0x7f.1, 2130706433) and IPv4-mapped IPv6', () => {
    const loopbackAllowed: CallbackUrlPolicy = { allowedHosts: ['127.0.0.1', '::ffff:7f00:1'], allowPrivateNetwork: false };
    expect(callbackUrlProblem('https://0x7f.1/x', loopbackAllowed)).toMatch(/non-public address/);
    expect(callbackUrlProblem('https://2130706433/x', loopbackAllowed)).toMatch(/non-public address/);
    expect(callbackUrlProblem('https://[::ffff:127.0.0.1]/x', loopbackAllowed)).toMatch(/non-public address/);
  });
});

describe('the request field', () => {
  it('parses url and deliveryFailures (default false)', () => {
    expect(parseCallbackRequest({ url: 'https://hooks.contoso.com/x' }, azure)).toEqual({ ok: true, callback: { url: 'https://hooks.contoso.com/x', deliveryFailures: false } });
    expect(parseCallbackRequest({ url: 'https://hooks.contoso.com/x', deliveryFailures: true }, azure)).toEqual({ ok: true, callback: { url: 'https://hooks.contoso.com/x', deliveryFailures: true } });
  });

  it('names the field of each problem', () => {
    expect(parseCallbackRequest({ url: 'http://hooks.contoso.com/x' }, azure)).toEqual({ ok: false, issues: [{ path: ['callback', 'url'], message: expect.stringMatching(/https/) as string }] });
    expect(parseCallbackRequest({ url: 'https://hooks.contoso.com/x', retries: 3 }, azure)).toMatchObject({ ok: false, issues: [{ path: ['callback', 'retries'] }] });
    expect(parseCallbackRequest({ deliveryFailures: 'yes' }, azure)).toMatchObject({ ok: false, issues: [{ path: ['callback', 'url'] }, { path: ['callback', 'deliveryFailures'] }] });
    expect(parseCallbackRequest('https://hooks.contoso.com/x', azure)).toMatchObject({ ok: false, issues: [{ path: ['callback'], message: expect.stringMatching(/must be an object/) as string }] });
  });

  it('is refused as a whole when the gateway has no allowlist: callbacks are not enabled', () => {
    const refused = parseCallbackRequest({ url: 'https://hooks.contoso.com/x' }, undefined);
    expect(refused).toEqual({ ok: false, issues: [{ path: ['callback'], message: expect.stringMatching(/not enabled/) as string }] });
    expect(parseCallbackRequest({ url: 'https://hooks.contoso.com/x' }, { allowedHosts: [], allowPrivateNetwork: false })).toMatchObject({ ok: false });
  });
});

describe('a notification request with a callback', () => {
  const request = {
    targets: [{ conversationId: 'a:1xyz' }],
    message: { text: 'Export finished' },
    callback: { url: 'https://hooks.contoso.com/teams', deliveryFailures: true },
  };
  const now = new Date('2026-03-01T10:00:00Z');

  it('carries the callback when the gateway allows its host', () => {
    expect(validateNotificationRequest(request, now, { callbacks: azure })).toMatchObject({ ok: true, value: { callback: { url: 'https://hooks.contoso.com/teams', deliveryFailures: true } } });
  });

  it('is a 400 naming callback when callbacks are off, with every other problem of the body listed too', () => {
    const refused = validateNotificationRequest({ ...request, targets: [] }, now);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.details.map((detail) => detail.path)).toEqual(['targets', 'callback']);
  });
});
