import { matchRouteTemplate, parseRouteTemplate, templatePrecedence } from '../../../dev/localFunctionHost/routeTemplate';

describe('route templates', () => {
  it('matches literals case-insensitively and captures a parameter', () => {
    const template = parseRouteTemplate('notifications/{id}');
    expect(matchRouteTemplate(template, 'Notifications/abc')).toEqual({ params: { id: 'abc' } });
    expect(matchRouteTemplate(template, 'notifications')).toBe('noMatch');
    expect(matchRouteTemplate(template, 'notifications/abc/extra')).toBe('noMatch');
    expect(matchRouteTemplate(template, 'conversations/abc')).toBe('noMatch');
  });

  it('decodes a route value exactly once, keeping an encoded slash inside its segment', () => {
    const template = parseRouteTemplate('conversations/{id}');
    expect(matchRouteTemplate(template, 'conversations/a%3A1%2Fb%23c%3Fd')).toEqual({ params: { id: 'a:1/b#c?d' } });
    expect(matchRouteTemplate(template, 'conversations/a%252F')).toEqual({ params: { id: 'a%2F' } });
    expect(matchRouteTemplate(template, 'conversations/%E0%A4%A')).toBe('badEncoding');
  });

  it('tolerates one trailing slash, as the Functions host does', () => {
    expect(matchRouteTemplate(parseRouteTemplate('health'), 'health/')).toEqual({ params: {} });
  });

  it('supports optional, constrained and catch-all parameters', () => {
    expect(matchRouteTemplate(parseRouteTemplate('items/{id?}'), 'items')).toEqual({ params: {} });
    expect(matchRouteTemplate(parseRouteTemplate('items/{id?}'), 'items/7')).toEqual({ params: { id: '7' } });
    expect(matchRouteTemplate(parseRouteTemplate('items/{id:int}'), 'items/7')).toEqual({ params: { id: '7' } });
    expect(matchRouteTemplate(parseRouteTemplate('files/{*rest}'), 'files/a/b%20c')).toEqual({ params: { rest: 'a/b c' } });
  });

  it('ranks literals before parameters before optional parameters before catch-alls', () => {
    expect(templatePrecedence(parseRouteTemplate('a/b/{c}/{d?}/{*e}'))).toEqual([0, 0, 1, 2, 3]);
  });
});
