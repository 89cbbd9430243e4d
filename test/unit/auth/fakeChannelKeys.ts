import { createHmac, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/**
 * A stand-in for the channel's signing side in unit tests (no I/O): RSA keys published as a JWKS behind a
 * fake `fetch`, and JWTs signed the way the Bot Connector signs them.
 */
export interface ChannelKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

/** No endorsements (`[]`): the key is published without an `endorsements` member. */
export function makeChannelKey(kid: string, endorsements: readonly string[] = ['msteams']): ChannelKey {
  const { privateKey, publicKey } = keyPairFor(kid);
  const exported = publicKey.export({ format: 'jwk' });
  const jwk: Record<string, unknown> = { kty: 'RSA', use: 'sig', kid, n: exported.n, e: exported.e };
  if (endorsements.length > 0) jwk.endorsements = [...endorsements];
  return { kid, privateKey, jwk };
}

/** RSA generation is slow on a shared machine: one pair per kid for the whole test file. */
const keyPairs = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();
function keyPairFor(kid: string): { privateKey: KeyObject; publicKey: KeyObject } {
  let pair = keyPairs.get(kid);
  if (pair === undefined) {
    pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keyPairs.set(kid, pair);
  }
  return pair;
}

export class FakeOpenIdEndpoint {
  published: ChannelKey[];
  fetchCount = 0;
  failing = false;

  constructor(
    readonly metadataUrl: string,
    keys: ChannelKey[],
  ) {
    this.published = keys;
  }

  readonly fetch = (async (input: string | URL | Request): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    if (this.failing) return Promise.resolve(new Response('down', { status: 503 }));
    if (url === this.metadataUrl) {
      this.fetchCount += 1;
      return Promise.resolve(Response.json({ issuer: 'https://api.botframework.com', jwks_uri: `${this.metadataUrl}/keys` }));
    }
    if (url === `${this.metadataUrl}/keys`) return Promise.resolve(Response.json({ keys: this.published.map((k) => k.jwk) }));
    return Promise.resolve(new Response('not found', { status: 404 }));
  }) as typeof fetch;
}

export interface TokenClaims {
  iss?: string;
  aud?: string;
  serviceurl?: string | null;
  exp?: number;
  nbf?: number;
  [claim: string]: unknown;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT like the Bot Connector's: RS256, iss api.botframework.com, aud app id, serviceurl, 1 hour. */
export function signChannelJwt(key: ChannelKey | { kid: string; privateKey: KeyObject }, claims: TokenClaims, header: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iss: 'https://api.botframework.com', nbf: now - 10, exp: now + 3600, ...claims };
  if (payload.serviceurl === null) delete payload.serviceurl;
  const head = { alg: 'RS256', typ: 'JWT', kid: key.kid, ...header };
  const input = `${b64(head)}.${b64(payload)}`;
  const signature = sign('RSA-SHA256', Buffer.from(input), key.privateKey).toString('base64url');
  return `${input}.${signature}`;
}

/** An HS256 token keyed with the public key (the classic algorithm-confusion forgery). */
export function signWithAlgorithmConfusion(key: ChannelKey, claims: TokenClaims): string {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${b64({ iss: 'https://api.botframework.com', nbf: now - 10, exp: now + 3600, ...claims })}`;
  const publicPem = createPublicKey(key.privateKey).export({ format: 'pem', type: 'spki' });
  return `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
}
