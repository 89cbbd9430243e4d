import { classifyConnectorFailure, idFromBody } from '../../../shared/connector/connectorFailure';

const context = { timedOut: false, timeoutInMs: 5_000, now: new Date('2026-03-01T08:00:00Z') };

/** The shape @azure/core-rest-pipeline's RestError has when a response arrived. */
function restError(status: number, bodyAsText: string, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`status ${status}`), {
    name: 'RestError',
    statusCode: status,
    response: { status, bodyAsText, headers: { get: (name: string) => headers[name.toLowerCase()] } },
  });
}

describe('classifyConnectorFailure', () => {
  it('turns an HTTP error into status, Teams code, message and Retry-After', () => {
    const thrown = restError(429, '{"error":{"code":"Throttled","message":"slow down"}}', { 'retry-after': '2' });
    expect(classifyConnectorFailure(thrown, context)).toEqual({ kind: 'httpError', status: 429, code: 'Throttled', message: 'slow down', retryAfterInMs: 2_000 });
  });

  it.each(['soon', '-5', '1e3', '86401', 'Sun, 31 Feb 2026 08:00:00 GMT'])('leaves out a Retry-After it cannot trust (%j), so the policy backs off', (value) => {
    const thrown = restError(429, '{"error":{"code":"Throttled","message":"slow down"}}', { 'retry-after': value });
    expect(classifyConnectorFailure(thrown, context)).toEqual({ kind: 'httpError', status: 429, code: 'Throttled', message: 'slow down' });
  });

  it('reads a Retry-After HTTP-date against the clock of the request', () => {
    const thrown = restError(503, '', { 'retry-after': 'Sun, 01 Mar 2026 08:00:30 GMT' });
    expect(classifyConnectorFailure(thrown, context)).toEqual({ kind: 'httpError', status: 503, retryAfterInMs: 30_000 });
  });

  it('reports a 2xx the SDK did not expect as success, with the id when the body has one', () => {
    expect(classifyConnectorFailure(restError(204, ''), context)).toEqual({ kind: 'success', status: 204 });
    expect(classifyConnectorFailure(restError(202, '{"id":"act-7"}'), context)).toEqual({ kind: 'success', status: 202, id: 'act-7' });
  });

  it('prefers a received status over our timeout flag', () => {
    expect(classifyConnectorFailure(restError(503, ''), { ...context, timedOut: true })).toEqual({ kind: 'httpError', status: 503 });
  });

  it('reports our timeout as timeout', () => {
    const aborted = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    expect(classifyConnectorFailure(aborted, { ...context, timedOut: true })).toEqual({ kind: 'timeout', timeoutInMs: 5_000 });
  });

  it('reports an abort that was not our timeout as ABORTED', () => {
    const aborted = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    expect(classifyConnectorFailure(aborted, context)).toMatchObject({ kind: 'networkError', code: 'ABORTED' });
  });

  it('keeps socket codes', () => {
    const reset = Object.assign(new Error('socket hang up'), { name: 'RestError', code: 'ECONNRESET' });
    expect(classifyConnectorFailure(reset, context)).toEqual({ kind: 'networkError', code: 'ECONNRESET', message: 'socket hang up' });
  });

  it('never throws on odd values', () => {
    expect(classifyConnectorFailure('boom', context)).toEqual({ kind: 'networkError', code: 'REQUEST_FAILED', message: 'boom' });
    expect(classifyConnectorFailure(undefined, context)).toMatchObject({ kind: 'networkError', code: 'REQUEST_FAILED' });
  });
});

describe('idFromBody', () => {
  it.each([
    ['{"id":"x"}', 'x'],
    ['{"id":""}', undefined],
    ['{"id":3}', undefined],
    ['nope', undefined],
    [undefined, undefined],
  ])('%j → %j', (body, expected) => {
    expect(idFromBody(body)).toBe(expected);
  });
});
