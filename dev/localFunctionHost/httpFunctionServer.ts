import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

import { ensureError, errorCodes } from '../../shared/errors';
import { errorBody } from '../../shared/http/errorResponse';
import { readBoundedBody } from '../boundedRequestBody';
import { type HostLog } from './hostLog';
import { type LocalHttpRequest, type LocalHttpResponse } from './httpAdapter';
import { type HttpDispatcher } from './httpDispatcher';

/** Azure Functions refuses request bodies over 100 MB; so does the local host. */
const maxRequestBodyInBytes = 100 * 1024 * 1024;
/** How long requests in flight may finish once the host is stopping. */
const closeGraceInMs = 3_000;

export interface HttpFunctionServerOptions {
  dispatcher: HttpDispatcher;
  /** 0 = any free port. */
  port: number;
  /** Loopback by default: the local host checks no function keys, so it is not for other machines. */
  host?: string;
  log: HostLog;
}

export interface HttpFunctionServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** node:http in front of the dispatcher: reads the request, writes the answer, logs one line per request. */
export async function startHttpFunctionServer(options: HttpFunctionServerOptions): Promise<HttpFunctionServer> {
  const host = options.host ?? '127.0.0.1';
  let listeningOrigin = '';
  const server = createServer((request, response) => {
    const started = performance.now();
    void serve(request, response, options.dispatcher, listeningOrigin).then((status) => {
      // The path only: a query may carry a function key (`?code=`).
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      const level = status >= 500 ? 'error' : 'info';
      options.log.write(level, `${request.method ?? '?'} ${path} ${status} ${Math.round(performance.now() - started)}ms`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  listeningOrigin = `http://${host}:${port}`;
  return {
    url: listeningOrigin,
    port,
    close: async () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), closeGraceInMs);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/** Answers one request; resolves with the status written. Never rejects. */
async function serve(request: IncomingMessage, response: ServerResponse, dispatcher: HttpDispatcher, listeningOrigin: string): Promise<number> {
  let answer: LocalHttpResponse;
  try {
    const body = await readBoundedBody(request, maxRequestBodyInBytes);
    if (body === undefined) {
      answer = jsonAnswer(413, errorBody(errorCodes.PayloadTooLarge, `The local host accepts request bodies up to ${maxRequestBodyInBytes} bytes, as Azure Functions does.`));
    } else {
      answer = await dispatcher(toLocalRequest(request, body, listeningOrigin));
    }
  } catch (thrown) {
    // Only a request the URL parser refuses (a malformed Host header) gets here: the dispatcher catches handler errors.
    answer = jsonAnswer(400, errorBody(errorCodes.BadRequest, `The request could not be read: ${ensureError(thrown).message}`));
  }
  if (response.destroyed) return answer.status;
  const flat: string[] = [];
  for (const [name, value] of answer.headers) flat.push(name, value);
  if (!answer.headers.some(([name]) => name === 'content-length')) flat.push('content-length', String(answer.body.length));
  response.writeHead(answer.status, flat);
  response.end(request.method === 'HEAD' ? undefined : answer.body);
  return answer.status;
}

function toLocalRequest(request: IncomingMessage, body: Buffer, listeningOrigin: string): LocalHttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const hostHeader = request.headers.host;
  return {
    method: request.method ?? 'GET',
    origin: hostHeader === undefined ? listeningOrigin : `http://${hostHeader}`,
    target: request.url ?? '/',
    headers,
    body,
  };
}

function jsonAnswer(status: number, body: unknown): LocalHttpResponse {
  return { status, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(body)) };
}
