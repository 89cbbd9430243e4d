/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers, read field by field. */
import { type HttpFunctionOptions } from '@azure/functions';

import { type HostLog, type HostLogLevel } from '../../../dev/localFunctionHost/hostLog';
import { type LocalHttpRequest } from '../../../dev/localFunctionHost/httpAdapter';
import { createHttpDispatcher } from '../../../dev/localFunctionHost/httpDispatcher';

function recordingLog(): HostLog & { lines: [HostLogLevel, string][] } {
  const lines: [HostLogLevel, string][] = [];
  return { lines, write: (level, text) => lines.push([level, text]) };
}

const get = (target: string, method = 'GET'): LocalHttpRequest => ({ method, origin: 'http://127.0.0.1:7071', target, headers: {}, body: Buffer.alloc(0) });
const json = (body: Buffer): Record<string, any> => JSON.parse(body.toString());

describe('the HTTP dispatcher', () => {
  const log = recordingLog();
  const echo: HttpFunctionOptions['handler'] = (request, context) => {
    context.log('echoing', request.params.id);
    context.warn('careful');
    return { jsonBody: { id: request.params.id, url: request.url, function: context.functionName, invocationId: context.invocationId } };
  };
  const dispatch = createHttpDispatcher({
    routePrefix: 'api',
    log,
    functions: [
      { name: 'echo', options: { methods: ['GET'], route: 'things/{id}', authLevel: 'function', handler: echo } },
      {
        name: 'broken',
        options: {
          methods: ['POST'],
          route: 'broken',
          handler: () => {
            throw new Error('bug');
          },
        },
      },
    ],
    outsidePrefix: (request) => Promise.resolve(request.target === '/' ? { status: 200, headers: [['content-type', 'text/html']], body: Buffer.from('<html>') } : undefined),
  });

  it('invokes the function with decoded params, the raw URL and its own invocation context, without a function key', async () => {
    const answer = await dispatch(get('/api/things/a%3A1%2Fx'));
    expect(answer.status).toBe(200);
    expect(answer.functionName).toBe('echo');
    const body = json(answer.body);
    expect(body).toMatchObject({ id: 'a:1/x', url: 'http://127.0.0.1:7071/api/things/a%3A1%2Fx', function: 'echo' });
    expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.lines).toEqual(expect.arrayContaining([['info', '  [echo] echoing a:1/x'], ['warn', '  [echo] warn: careful']]));
  });

  it('answers 404 JSON naming the known routes for an unknown path', async () => {
    const answer = await dispatch(get('/api/nothing'));
    expect(answer.status).toBe(404);
    expect(json(answer.body).error).toMatchObject({ code: 'NOT_FOUND', details: [{ path: 'path', message: expect.stringContaining('GET /api/things/{id}') }] });
  });

  it('answers 405 with an Allow header for a known path and another method', async () => {
    const answer = await dispatch(get('/api/things/1', 'DELETE'));
    expect(answer.status).toBe(405);
    expect(answer.headers).toContainEqual(['allow', 'GET']);
    expect(json(answer.body).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers 400 for a path that is not valid percent-encoding', async () => {
    const answer = await dispatch(get('/api/things/%E0%A4%A'));
    expect(answer.status).toBe(400);
    expect(json(answer.body).error.code).toBe('BAD_REQUEST');
  });

  it('turns a throwing handler into a 500 JSON answer and an error line with the stack', async () => {
    const answer = await dispatch(get('/api/broken', 'POST'));
    expect(answer.status).toBe(500);
    expect(json(answer.body)).toEqual({ error: { code: 'INTERNAL', message: 'The gateway failed to handle this request.', details: [] } });
    expect(log.lines.some(([level, text]) => level === 'error' && text.includes('[broken]') && text.includes('Error: bug'))).toBe(true);
  });

  it('hands paths outside the prefix to the outside handler, else 404', async () => {
    expect((await dispatch(get('/'))).body.toString()).toBe('<html>');
    expect((await dispatch(get('/favicon.ico'))).status).toBe(404);
  });
});
