import { lookup as dnsLookup } from 'node:dns/promises';
import { request } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

import { callbackHeaderNames, callbackSignature } from './callbackSignature';
import { isRefusedAddress } from './refusedAddresses';

/** What came of one POST: the receiver's answer, or why there was none. */
export type PostResult =
  | { kind: 'answered'; status: number; retryAfter?: string }
  /** Nothing was sent: the host resolved to a refused address (final: a later try resolves the same). */
  | { kind: 'refused'; code: 'ADDRESS_REFUSED'; detail: string }
  /** No answer: DNS, connect, TLS or timeout (retried). */
  | { kind: 'unreachable'; code: string };

export interface CallbackPostOptions {
  secret: string;
  allowPrivateNetwork: boolean;
  /** Whole exchange, connect to last header; default 10 s, so a slow receiver never holds the queue's lock long. */
  timeoutInMs?: number;
  /** Resolves a host to its addresses (tests hand in a fixed answer). */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
}

export type CallbackPoster = (url: string, eventId: string, body: string, now: Date) => Promise<PostResult>;

const defaultTimeoutInMs = 10_000;
/** The receiver's body is read only this far (and dropped): it says nothing the status code does not. */
const maxResponseBytes = 16 * 1024;

/**
 * POSTs a signed callback. SSRF guard: the host is resolved here, every address is checked against the
 * refused ranges (refusedAddresses.ts) and the connection goes to the checked address through a pinned
 * `lookup`, so a DNS answer that changes between the check and the connect (rebinding) cannot redirect it.
 * TLS still verifies the certificate for the URL's host name. Redirects are not followed (node:https never
 * does). The secret goes into the signature only, never into a log line or an error.
 */
export function createCallbackPoster(options: CallbackPostOptions): CallbackPoster {
  const resolve = options.resolve ?? (async (host: string) => dnsLookup(host, { all: true, verbatim: true }));
  const timeoutInMs = options.timeoutInMs ?? defaultTimeoutInMs;

  return async (url, eventId, body, now) => {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: { address: string; family: number }[];
    try {
      addresses = isIP(host) === 0 ? await resolve(host) : [{ address: host, family: isIP(host) }];
    } catch (thrown) {
      return { kind: 'unreachable', code: errorCodeOf(thrown) ?? 'DNS_FAILED' };
    }
    const refused = options.allowPrivateNetwork ? [] : addresses.filter((entry) => isRefusedAddress(entry.address));
    if (refused.length > 0 || addresses.length === 0) {
      const detail = addresses.length === 0 ? `${host} resolved to no address` : `${host} resolves to a non-public address`;
      return { kind: 'refused', code: 'ADDRESS_REFUSED', detail };
    }
    const timestamp = Math.floor(now.getTime() / 1000);
    const headers = {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body, 'utf8')),
      'User-Agent': 'teams-notification-gateway-callback/1',
      [callbackHeaderNames.eventId]: eventId,
      [callbackHeaderNames.timestamp]: String(timestamp),
      [callbackHeaderNames.signature]: callbackSignature(options.secret, timestamp, body),
    };
    return postPinned(target, addresses, headers, body, timeoutInMs);
  };
}

/** Connects only to `checked` (every one of them passed the refusal check), whatever DNS says by now. */
function postPinned(target: URL, checked: readonly { address: string; family: number }[], headers: Record<string, string>, body: string, timeoutInMs: number): Promise<PostResult> {
  const first = checked[0] as { address: string; family: number };
  // Node asks with `all: true` when it tries the families in turn (autoSelectFamily): it gets every checked
  // address, so a name with an unreachable IPv6 address still reaches its IPv4 one.
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all === true) callback(null, checked.map(({ address, family }) => ({ address, family })));
    else callback(null, first.address, first.family);
  };
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: PostResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const outgoing = request(target, { method: 'POST', headers, lookup, agent: false, signal: AbortSignal.timeout(timeoutInMs) }, (response) => {
      let received = 0;
      const retryAfter = response.headers['retry-after'];
      const answered: PostResult = { kind: 'answered', status: response.statusCode ?? 0, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) };
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxResponseBytes) response.destroy();
      });
      response.on('close', () => finish(answered));
      response.on('error', () => finish(answered));
    });
    outgoing.on('error', (thrown) => finish({ kind: 'unreachable', code: thrown.name === 'AbortError' || thrown.name === 'TimeoutError' ? 'TIMEOUT' : (errorCodeOf(thrown) ?? 'REQUEST_FAILED') }));
    outgoing.end(body);
  });
}

/** A Node system error's code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED…): never its message, which may echo the URL. */
function errorCodeOf(thrown: unknown): string | undefined {
  // Read off the object as thrown: an error of another realm (a test sandbox) is not `instanceof Error`.
  const code = typeof thrown === 'object' && thrown !== null ? (thrown as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]{2,64}$/.test(code) ? code : undefined;
}
