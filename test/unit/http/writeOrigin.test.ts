import { checkWriteOrigin } from '../../../shared/http/writeOrigin';

describe('checkWriteOrigin', () => {
  const url = 'https://func-gw.azurewebsites.net/api/notifications';
  const request = (method: string, origin?: string): { method: string; url: string; headers: Headers } => ({ method, url, headers: new Headers(origin === undefined ? {} : { origin }) });

  it('lets services (no Origin) and the gateway’s own pages write', () => {
    expect(checkWriteOrigin(request('POST'))).toBeUndefined();
    expect(checkWriteOrigin(request('POST', 'https://func-gw.azurewebsites.net'))).toBeUndefined();
    expect(checkWriteOrigin(request('PATCH', 'https://notify.contoso.com'), 'https://notify.contoso.com/')).toBeUndefined();
  });

  it.each([['POST'], ['PATCH'], ['DELETE']])('refuses a %s from another origin (and from Origin: null) with 403 naming the header', (method) => {
    for (const origin of ['https://evil.example', 'null', 'https://func-gw.azurewebsites.net.evil.example']) {
      expect(checkWriteOrigin(request(method, origin))).toMatchObject({ code: 'FORBIDDEN_ORIGIN', details: [{ path: 'origin' }] });
    }
  });

  it('leaves reads alone: a cross-origin GET cannot change anything', () => {
    expect(checkWriteOrigin(request('GET', 'https://evil.example'))).toBeUndefined();
  });
});
