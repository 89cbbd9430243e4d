import { readBoundedBody } from '../../../shared/http/boundedRequestBody';

/** A lazily produced body that records how much was pulled from it and whether it was cancelled. */
function countingBody(totalBytes: number, chunkBytes = 64 * 1024): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const chunk = new Uint8Array(chunkBytes).fill(0x30);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= totalBytes) return controller.close();
        const size = Math.min(chunkBytes, totalBytes - pulled);
        pulled += size;
        controller.enqueue(size === chunkBytes ? chunk : chunk.subarray(0, size));
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

const limit = { maxBytes: 512 * 1024, what: 'activity' };

describe('readBoundedBody', () => {
  it('reads a body within the limit as UTF-8 text', async () => {
    const text = '{"text":"ünïcödé 🚀"}';
    await expect(readBoundedBody({ headers: new Headers(), body: new Blob([text]).stream() }, limit)).resolves.toBe(text);
    await expect(readBoundedBody({ headers: new Headers(), body: null }, limit)).resolves.toBe('');
  });

  it('stops a 25 MB body at the limit: the stream is cancelled and nothing past the limit is pulled', async () => {
    const body = countingBody(25 * 1024 * 1024);
    const refused = readBoundedBody({ headers: new Headers(), body: body.stream }, limit);
    await expect(refused).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: [{ path: '' }] });
    expect(body.cancelled()).toBe(true);
    expect(body.pulled()).toBeLessThanOrEqual(limit.maxBytes + 64 * 1024);
  });

  it('refuses a declared Content-Length over the limit without reading a byte', async () => {
    const body = countingBody(25 * 1024 * 1024);
    const headers = new Headers({ 'content-length': String(25 * 1024 * 1024) });
    await expect(readBoundedBody({ headers, body: body.stream }, limit)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('26,214,400 bytes') });
    expect(body.pulled()).toBe(0);
  });

  it('accepts a body of exactly the limit', async () => {
    const body = countingBody(limit.maxBytes);
    await expect(readBoundedBody({ headers: new Headers(), body: body.stream }, limit)).resolves.toHaveLength(limit.maxBytes);
  });
});
