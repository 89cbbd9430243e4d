import { type HttpFunctionOptions } from '@azure/functions';

import { HttpRouteTable } from '../../../dev/localFunctionHost/httpRouteTable';

const handler: HttpFunctionOptions['handler'] = () => ({ status: 200 });
const fn = (name: string, options: Partial<HttpFunctionOptions>) => ({ name, options: { handler, ...options } });

describe('HttpRouteTable', () => {
  const table = new HttpRouteTable([
    fn('getById', { route: 'notifications/{id}', methods: ['GET', 'PATCH', 'DELETE'] }),
    fn('post', { route: 'notifications', methods: ['POST'] }),
    fn('stats', { route: 'notifications/stats', methods: ['GET'] }),
    fn('byName', {}),
  ]);

  it('finds the function for a path and method, with decoded params', () => {
    const found = table.resolve('patch', 'notifications/n%201');
    expect(found).toMatchObject({ kind: 'found', route: { functionName: 'getById' }, params: { id: 'n 1' } });
  });

  it('prefers a literal segment over a parameter', () => {
    expect(table.resolve('GET', 'notifications/stats')).toMatchObject({ kind: 'found', route: { functionName: 'stats' } });
  });

  it('serves a definition without a route at its name, for GET and POST', () => {
    expect(table.resolve('POST', 'byName')).toMatchObject({ kind: 'found', route: { functionName: 'byName' } });
    expect(table.resolve('PUT', 'byName')).toEqual({ kind: 'methodNotAllowed', allowed: ['GET', 'POST'] });
  });

  it('answers 405 with the allowed methods for a known path, 404 for an unknown one', () => {
    expect(table.resolve('PUT', 'notifications/x')).toEqual({ kind: 'methodNotAllowed', allowed: ['GET', 'PATCH', 'DELETE'] });
    expect(table.resolve('GET', 'notifications')).toEqual({ kind: 'methodNotAllowed', allowed: ['POST'] });
    expect(table.resolve('GET', 'nothing/here')).toEqual({ kind: 'notFound' });
  });

  it('reports a path that is not valid percent-encoding', () => {
    expect(table.resolve('GET', 'notifications/%ZZ')).toEqual({ kind: 'badEncoding' });
  });
});
