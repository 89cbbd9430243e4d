import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

import { ensureError, errorCodes } from '../../shared/errors';
import { errorBody } from '../../shared/http/errorResponse';
import { maxRequestBodyLength } from '../../shared/notifications/request/requestBodyLimit';
import { readBodyUpTo } from '../boundedRequestBody';
import { type HostLog } from './hostLog';
import { type LocalHttpRequest, type LocalHttpResponse } from './httpAdapter';
import { type HttpDispatcher } from './httpDispatcher';
import { type LocalAuthority, localAuthority, refuseForeignRequest } from './requestAuthority';

/**
 * The most a request body may have here: what the gateway's largest reader takes (a notification, 1,000,000
 * bytes; an activity takes less). Azure's host accepts up to 100 MB and the functions then read only their
 * own bound from the stream; buffering more here before any function runs would only cost memory and time.
 */
const maxRequestBodyInBytes = maxRequestBodyLength;
/** How long requests in flight may finish once the host is stopping. */
const closeGraceInMs = 3_000;

export interface HttpFunctionServerOptions {
  dispatcher: HttpDispatcher;
  /** 0 = any free port. */
  port: number;
  /** Loopback by default: the local host checks no function keys, so it is not for other machines. */
  host?: string;
  /** PublicBaseUrl, when it points here through a tunnel: its host is answered too. */
  publicBaseUrl?: string;
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
  let authority = localAuthority(0);
  const server = createServer((request, response) => {
    const started = performance.now();
    void serve(request, response, options.dispatcher, listeningOrigin, authority).then((status) => {
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
  authority = localAuthority(port, options.publicBaseUrl);
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

/**
 * Answers one request; resolves with the status written. Never rejects. A foreign Host or Origin is refused
 * before the body is read; a body over the limit is not read past it (a declared Content-Length is refused
 * unread, a longer chunked body ends the connection at the limit).
 */
async function serve(request: IncomingMessage, response: ServerResponse, dispatcher: HttpDispatcher, listeningOrigin: string, authority: LocalAuthority): Promise<number> {
  let answer: LocalHttpResponse;
  try {
    const foreign = refuseForeignRequest({ method: request.method ?? 'GET', headers: request.headers as Record<string, string | undefined> }, authority);
    answer = foreign ?? (await dispatch(request, dispatcher, listeningOrigin));
  } catch (thrown) {
    // Only a request the URL parser refuses (a malformed Host header) gets here: the dispatcher catches handler errors.
    answer = jsonAnswer(400, errorBody(errorCodes.BadRequest, `The request could not be read: ${ensureError(thrown).message}`));
  }
  if (response.destroyed) return answer.status;
  const flat: string[] = [];
  // A body left unread (refused early) must not be drained to reuse the connection: close it instead.
  if (!request.complete) flat.push('connection', 'close');
  for (const [name, value] of answer.headers) flat.push(name, value);
  if (!answer.headers.some(([name]) => name === 'content-length')) flat.push('content-length', String(answer.body.length));
  response.writeHead(answer.status, flat);
  response.end(request.method === 'HEAD' ? undefined : answer.body, () => {
    // The rest of a refused body is never read: the connection ends with the answer.
    if (!request.complete) request.socket.destroy();
  });
  return answer.status;
}

/** Reads the body up to the limit (413 past it) and hands the request to its function. */
async function dispatch(request: IncomingMessage, dispatcher: HttpDispatcher, listeningOrigin: string): Promise<LocalHttpResponse> {
  const body = await readBodyUpTo(request, maxRequestBodyInBytes);
  if (body === undefined) {
    return jsonAnswer(413, errorBody(errorCodes.PayloadTooLarge, `The request body is larger than ${maxRequestBodyInBytes.toLocaleString('en-US')} bytes, more than any function here reads.`));
  }
  return dispatcher(toLocalRequest(request, body, listeningOrigin));
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
