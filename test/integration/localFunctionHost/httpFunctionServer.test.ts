import { once } from 'node:events';
import { request as httpRequest } from 'node:http';

import { type HttpDispatcher } from '../../../dev/localFunctionHost/httpDispatcher';
import { type HttpFunctionServer, startHttpFunctionServer } from '../../../dev/localFunctionHost/httpFunctionServer';

/**
 * The local host's socket side: what it refuses before any function runs, and that an oversized body is
 * not read (the upload is cut off) while other requests are answered meanwhile.
 */
let server: HttpFunctionServer;
const dispatched: string[] = [];
const dispatcher: HttpDispatcher = async (request) => {
  dispatched.push(`${request.method} ${request.target} ${request.body.length}`);
  return Promise.resolve({ status: 200, headers: [['content-type', 'application/json']], body: Buffer.from('{"status":"ok"}') });
};

beforeAll(async () => {
  server = await startHttpFunctionServer({ dispatcher, port: 0, publicBaseUrl: 'https://gw-dev.devtunnels.ms', log: { write: () => undefined } });
});
afterAll(async () => server.close());
beforeEach(() => dispatched.splice(0));

interface Outcome {
  status?: number;
  body?: string;
  error?: string;
}

/** One raw request; the body is written in 64 KiB chunks (with backpressure) until the server answers or drops it. */
async function send(method: string, path: string, headers: Record<string, string>, bodyBytes = 0): Promise<Outcome & { written: number }> {
  const request = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers: { host: `127.0.0.1:${server.port}`, ...headers } });
  let written = 0;
  let settled = false;
  const outcome = new Promise<Outcome>((resolve) => {
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ status: response.statusCode ?? 0, error: error.code ?? error.message }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  }).finally(() => (settled = true));
  const chunk = Buffer.alloc(64 * 1024, 0x30);
  while (!settled && written < bodyBytes) {
    const flushed = request.write(chunk);
    written += chunk.length;
    if (!flushed) await Promise.race([once(request, 'drain').catch(() => undefined), outcome]);
  }
  if (!settled) request.end();
  return { ...(await outcome), written };
}

describe('refused before the body is read', () => {
  it('a Host the host does not answer to (DNS rebinding) is 421, nothing dispatched', async () => {
    const answer = await send('POST', '/api/notifications', { host: 'evil.example', 'content-type': 'application/json' }, 1);
    expect(answer.status).toBe(421);
    expect(JSON.parse(answer.body!)).toMatchObject({ error: { code: 'MISDIRECTED_REQUEST', details: [{ path: 'host' }] } });
    expect(dispatched).toEqual([]);
  });

  it('a drive-by text/plain POST from another origin is 403, nothing dispatched', async () => {
    const answer = await send('POST', '/api/notifications', { origin: 'https://evil.example', 'content-type': 'text/plain' }, 1);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body!)).toMatchObject({ error: { code: 'FORBIDDEN_ORIGIN', details: [{ path: 'origin' }] } });
    expect(dispatched).toEqual([]);
  });

  it('its own origin, and the PublicBaseUrl host, are served', async () => {
    expect((await send('POST', '/api/x', { origin: `http://127.0.0.1:${server.port}`, 'content-type': 'application/json' })).status).toBe(200);
    expect((await send('GET', '/api/x', { host: 'gw-dev.devtunnels.ms' })).status).toBe(200);
    expect(dispatched).toHaveLength(2);
  });

  it('a declared 25 MB body is 413 without being read', async () => {
    const answer = await send('POST', '/api/messages', { 'content-type': 'application/json', 'content-length': String(25 * 1024 * 1024) }, 64 * 1024);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body!)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(dispatched).toEqual([]);
  });
});

describe('an anonymous 25 MB chunked upload', () => {
  it('is cut off at the limit, never dispatched, and other requests are answered while it is sent', async () => {
    const total = 25 * 1024 * 1024;
    const upload = send('POST', '/api/messages', { 'content-type': 'application/json', authorization: 'Bearer x.y.z' }, total);
    const health = await send('GET', '/api/health', {});
    expect(health.status).toBe(200);
    const answer = await upload;
    // Either the 413 got out before the connection closed or the client saw the connection end.
    expect(answer.status === 413 || answer.error !== undefined).toBe(true);
    expect(answer.written).toBeLessThan(total);
    expect(dispatched).toEqual(['GET /api/health 0']);
  });
});
