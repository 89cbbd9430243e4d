import { HttpResponse } from '@azure/functions';

import { type LocalHttpRequest, serializeCookie, toHttpRequest, toLocalHttpResponse } from '../../../dev/localFunctionHost/httpAdapter';

const request = (overrides: Partial<LocalHttpRequest> = {}): LocalHttpRequest => ({
  method: 'POST',
  origin: 'http://127.0.0.1:7071',
  target: '/api/conversations/a%3A1%2Fb?status=active&status=removed',
  headers: { 'content-type': 'application/json', 'x-ms-tenant-id': 't1' },
  body: Buffer.from('{"text":"héllo"}'),
  ...overrides,
});

describe('toHttpRequest', () => {
  it('keeps the URL as sent (encoded), the method, headers, repeated query keys and decoded params', () => {
    const built = toHttpRequest(request(), { id: 'a:1/b' });
    expect(built.url).toBe('http://127.0.0.1:7071/api/conversations/a%3A1%2Fb?status=active&status=removed');
    expect(built.method).toBe('POST');
    expect(built.headers.get('x-ms-tenant-id')).toBe('t1');
    expect(built.query.getAll('status')).toEqual(['active', 'removed']);
    expect(built.params).toEqual({ id: 'a:1/b' });
  });

  it('hands over the body as text and as JSON', async () => {
    expect(await toHttpRequest(request(), {}).text()).toBe('{"text":"héllo"}');
    expect(await toHttpRequest(request(), {}).json()).toEqual({ text: 'héllo' });
  });

  it('gives GET requests no body, as Azure does', async () => {
    expect(await toHttpRequest(request({ method: 'get' }), {}).text()).toBe('');
  });
});

describe('toLocalHttpResponse', () => {
  it('maps jsonBody, status and headers of an HttpResponseInit', async () => {
    const answer = await toLocalHttpResponse({ status: 202, jsonBody: { id: 'n1' }, headers: { etag: 'W/"1"' } });
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body.toString())).toEqual({ id: 'n1' });
    expect(answer.headers).toEqual(expect.arrayContaining([['content-type', 'application/json'], ['etag', 'W/"1"']]));
  });

  it('defaults to 200 with an empty body when the handler returns nothing', async () => {
    const answer = await toLocalHttpResponse(undefined);
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(0);
  });

  it('accepts an HttpResponse, and drops the body of a 204', async () => {
    const text = await toLocalHttpResponse(new HttpResponse({ status: 409, body: 'conflict' }));
    expect([text.status, text.body.toString()]).toEqual([409, 'conflict']);
    const empty = await toLocalHttpResponse({ status: 204, jsonBody: { ignored: true } });
    expect([empty.status, empty.body.length]).toEqual([204, 0]);
  });

  it('writes each cookie and each Set-Cookie header as its own header line', async () => {
    const answer = await toLocalHttpResponse({ headers: [['set-cookie', 'a=1']], cookies: [{ name: 'b', value: '2', path: '/', httpOnly: true, sameSite: 'Strict' }] });
    expect(answer.headers.filter(([name]) => name === 'set-cookie')).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2; Path=/; HttpOnly; SameSite=Strict'],
    ]);
    expect(serializeCookie({ name: 'c', value: '3', maxAge: 60, secure: true, expires: 0 })).toBe('c=3; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60; Secure');
  });
});
