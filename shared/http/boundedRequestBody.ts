import { errorCodes, GatewayError } from '../errors';
import { checkJsonContentType } from './jsonContentType';

/** The part of @azure/functions' HttpRequest a body read needs (so the reader is testable with any stream). */
export interface RequestWithBody {
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array> | null;
}

/** What a function reads at most, and how the 413 names it. */
export interface BodyLimit {
  maxBytes: number;
  /** "notification request", "activity", ... */
  what: string;
}

/**
 * The request body as text, reading at most `limit.maxBytes`: a declared Content-Length over the limit is
 * refused before a byte is read, and a longer stream is cancelled at the first chunk past the limit, so an
 * oversized body costs the bytes up to the limit and nothing more (request.text() would buffer all of it,
 * up to the host's 100 MB). Invalid UTF-8 becomes U+FFFD, as request.text() does.
 */
export async function readBoundedBody(request: RequestWithBody, limit: BodyLimit): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit.maxBytes) {
    await request.body?.cancel().catch(() => undefined);
    throw tooLarge(limit, `declares ${declared.toLocaleString('en-US')} bytes`);
  }
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const decoder = new TextDecoder('utf-8');
  const parts: string[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit.maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit, 'is longer');
    }
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join('');
}

/** A JSON endpoint's body: 415 unless sent as application/json (nothing read then), else readBoundedBody. */
export async function readJsonBody(request: RequestWithBody, limit: BodyLimit): Promise<string> {
  const notJson = checkJsonContentType(request.headers);
  if (notJson !== undefined) throw notJson;
  return readBoundedBody(request, limit);
}

function tooLarge(limit: BodyLimit, how: string): GatewayError {
  const message = `The ${limit.what} body ${how}; at most ${limit.maxBytes.toLocaleString('en-US')} bytes are read`;
  return new GatewayError(errorCodes.PayloadTooLarge, message, [{ path: '', message }]);
}
