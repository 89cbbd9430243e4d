import { type IncomingMessage, type ServerResponse } from 'node:http';

import { type ConsoleDependencies } from './consoleDependencies';
import { consoleResponse, isConsolePath } from './consoleRoutes';

/** Bodies the console takes: control requests and notifications; Teams' own limit is 100 KB. */
const maxBodyInBytes = 1024 * 1024;

/**
 * The console for a plain node:http server: answers `/` and `/console/...` and returns true, or returns false
 * without touching the request so the server can serve it otherwise.
 */
export async function handleConsoleRequest(req: IncomingMessage, res: ServerResponse, deps: ConsoleDependencies): Promise<boolean> {
  const target = req.url ?? '/';
  if (!isConsolePath(new URL(target, 'http://console.invalid').pathname)) return false;
  const body = await readBody(req);
  if (body === undefined) {
    res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'PayloadTooLarge', message: `The console takes bodies up to ${maxBodyInBytes} bytes.` } }));
    return true;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const answer = await consoleResponse({ method: req.method ?? 'GET', origin: `http://${req.headers.host ?? '127.0.0.1'}`, target, headers, body }, deps);
  if (answer === undefined) return false;
  const flat: string[] = [];
  for (const [name, value] of answer.headers) flat.push(name, value);
  flat.push('content-length', String(answer.body.length));
  res.writeHead(answer.status, flat);
  res.end(req.method === 'HEAD' ? undefined : answer.body);
  return true;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBodyInBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
