import { type IncomingMessage, type ServerResponse } from 'node:http';

import { readBoundedBody } from '../boundedRequestBody';

/**
 * What a handler decides; the server shell writes it. Handlers stay free of sockets and timers, so the
 * decisions can be read (and tested) as data.
 */
export interface Reply {
  status: number;
  /** Serialized as JSON; absent means an empty body. */
  body?: unknown;
  /** A body that is not JSON (an HTML error page), written as it is; wins over `body`. */
  rawBody?: { contentType: string; text: string };
  headers?: Record<string, string>;
  /** Answer only after this long (a "slow" fault or token answer). */
  delayInMs?: number;
  /** `hang`: never answer; `reset`: drop the connection without an answer. */
  drop?: 'hang' | 'reset';
}

export interface IncomingExchange {
  method: string;
  /** Path segments, each percent-decoded exactly once (ids carry `:`, `;`, `@` and, in tests, `/`, `#`, `?`). */
  segments: string[];
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  bodyText: string;
}

export function jsonReply(status: number, body?: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined ? { status, body } : { status, body, headers };
}

/** The emulator's own (control API and routing) errors, shaped like Teams' so one parser reads both. */
export function controlError(status: number, code: string, message: string, details?: unknown): Reply {
  return jsonReply(status, { error: details === undefined ? { code, message } : { code, message, details } });
}

/** Splits a raw request target into decoded segments and the query; undefined when a segment is not valid percent-encoding. */
export function parseTarget(rawUrl: string): { segments: string[]; query: URLSearchParams } | undefined {
  const queryStart = rawUrl.indexOf('?');
  const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue;
    try {
      segments.push(decodeURIComponent(raw));
    } catch {
      return undefined;
    }
  }
  return { segments, query };
}

/** Reads the body as UTF-8, refusing more than `maxBytes` (the emulator's own guard, far above Teams' limit). */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return (await readBoundedBody(request, maxBytes))?.toString('utf8');
}

export function writeReply(response: ServerResponse, reply: Reply): void {
  const payload = reply.rawBody !== undefined ? reply.rawBody.text : reply.body === undefined ? '' : JSON.stringify(reply.body);
  const headers: Record<string, string | number> = { ...reply.headers, 'content-length': Buffer.byteLength(payload) };
  if (reply.rawBody !== undefined) headers['content-type'] = reply.rawBody.contentType;
  else if (reply.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
  response.writeHead(reply.status, headers);
  response.end(payload);
}
