import { readBoundedBody } from '../../../shared/http/boundedRequestBody';
import { checkJsonContentType } from '../../../shared/http/jsonContentType';
import { checkWriteOrigin } from '../../../shared/http/writeOrigin';

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

describe('checkJsonContentType', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON ;charset=UTF-8'])('accepts %s', (type) => {
    expect(checkJsonContentType(new Headers({ 'content-type': type }))).toBeUndefined();
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x'], [undefined]])('refuses %s with 415 naming the header', (type) => {
    const error = checkJsonContentType(new Headers(type === undefined ? {} : { 'content-type': type }));
    expect(error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', details: [{ path: 'content-type' }] });
  });
});

describe('checkWriteOrigin', () => {
  const url = 'https://func-gw.azurewebsites.net/api/notifications';
  const request = (method: string, origin?: string): { method: string; url: string; headers: Headers } => ({ method, url, headers: new Headers(origin === undefined ? {} : { origin }) });

  it('lets services (no Origin) and the gateway’s own pages write', () => {
    expect(checkWriteOrigin(request('POST'))).toBeUndefined();
    expect(checkWriteOrigin(request('POST', 'https://func-gw.azurewebsites.net'))).toBeUndefined();
    expect(checkWriteOrigin(request('PATCH', 'https://notify.contoso.com'), 'https://notify.contoso.com/')).toBeUndefined();
  });

  it.each([['POST'], ['PATCH'], ['DELETE']])('refuses a %s from another origin (and from Origin: null) with 403 naming the header', (method) => {
    for (const origin of ['https://evil.example', 'null', 'https://func-gw.azurewebsites.net.evil.example']) {
      expect(checkWriteOrigin(request(method, origin))).toMatchObject({ code: 'FORBIDDEN_ORIGIN', details: [{ path: 'origin' }] });
    }
  });

  it('leaves reads alone: a cross-origin GET cannot change anything', () => {
    expect(checkWriteOrigin(request('GET', 'https://evil.example'))).toBeUndefined();
  });
});
