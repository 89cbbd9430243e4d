import { type IncomingMessage } from 'node:http';

/**
 * Reads a request body, giving up (undefined) once it passes `maxBytes`: the dev servers' one body reader. A
 * declared Content-Length over the limit is refused without reading a byte; a longer stream is destroyed at
 * the first chunk past the limit (leaving the loop early destroys it), so nothing beyond is read.
 */
export async function readBoundedBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  if (Number(request.headers['content-length'] ?? 0) > maxBytes) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
