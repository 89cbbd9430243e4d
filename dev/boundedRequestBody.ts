import { type IncomingMessage } from 'node:http';

/**
 * Reads a request body, giving up (undefined) once it passes `maxBytes`, and destroys the request then: the
 * dev servers' one body reader. A declared Content-Length over the limit is refused without reading a byte.
 */
export async function readBoundedBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const body = await readBodyUpTo(request, maxBytes);
  if (body === undefined) request.destroy();
  return body;
}

/**
 * As readBoundedBody, but a body over the limit is left unread and paused rather than destroyed, so the
 * caller can still answer (413 with `connection: close`) before it drops the connection.
 */
export async function readBodyUpTo(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  if (Number(request.headers['content-length'] ?? 0) > maxBytes) return undefined;
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (): void => {
      request.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        settle();
        request.pause();
        resolve(undefined);
      } else chunks.push(chunk);
    };
    const onEnd = (): void => {
      settle();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    request.on('data', onData).on('end', onEnd).on('error', onError);
  });
}
