import { localAuthority, refuseForeignRequest } from '../../../dev/localFunctionHost/requestAuthority';

const authority = localAuthority(7071, 'https://gw-dev.devtunnels.ms');
const status = (method: string, headers: Record<string, string>): number | undefined => refuseForeignRequest({ method, headers }, authority)?.status;

describe('the local host answers only its own names and origins', () => {
  it.each(['127.0.0.1:7071', 'localhost:7071', '[::1]:7071', 'LOCALHOST:7071', 'gw-dev.devtunnels.ms'])('serves Host %s', (host) => {
    expect(status('GET', { host })).toBeUndefined();
  });

  it.each(['evil.example', 'evil.example:7071', '127.0.0.1:7072', '127.0.0.1', ''])('refuses Host %j with 421 (DNS rebinding)', (host) => {
    const refusal = refuseForeignRequest({ method: 'GET', headers: { host } }, authority);
    expect(refusal?.status).toBe(421);
    expect(JSON.parse(refusal!.body.toString())).toMatchObject({ error: { code: 'MISDIRECTED_REQUEST', details: [{ path: 'host' }] } });
  });

  it('refuses a request without Host', () => {
    expect(status('GET', {})).toBe(421);
  });

  it('refuses writes from pages of other origins, lets its own console page and scripts write', () => {
    expect(status('POST', { host: '127.0.0.1:7071', origin: 'https://evil.example', 'content-type': 'text/plain' })).toBe(403);
    expect(status('DELETE', { host: '127.0.0.1:7071', origin: 'null' })).toBe(403);
    expect(status('POST', { host: '127.0.0.1:7071', origin: 'http://127.0.0.1:7071' })).toBeUndefined();
    expect(status('POST', { host: 'gw-dev.devtunnels.ms', origin: 'https://gw-dev.devtunnels.ms' })).toBeUndefined();
    expect(status('POST', { host: '127.0.0.1:7071' })).toBeUndefined();
    expect(status('GET', { host: '127.0.0.1:7071', origin: 'https://evil.example' })).toBeUndefined();
  });
});
