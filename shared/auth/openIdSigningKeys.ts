import { createPublicKey, type KeyObject } from 'node:crypto';

import { z } from 'zod';

import { ensureError, errorCodes, GatewayError } from '../errors';

/**
 * The channel's signing keys from its OpenID metadata, in the shape botframework-connector's JwtTokenExtractor
 * asks for (`getKey(kid) → { key, endorsements }`).
 *
 * Why not the library's own OpenIdMetadata: it refreshes on an unknown `kid` at most once an hour, so after a
 * key rotation every activity would be refused for up to an hour. Here an unknown kid refreshes at once, rate
 * limited (a few refreshes per window, then none until the window moves on) so a flood of tokens with made-up
 * kids costs a handful of metadata fetches a minute, and keys are also refreshed when older than `maxAgeInMs`.
 * Concurrent refreshes share one fetch; when a refresh fails, the keys already held keep working.
 */
export interface SigningKey {
  /**
   * The parsed public key. jsonwebtoken's verify takes a PEM or a KeyObject and parses a PEM on every call
   * (0.4 ms of CPU per inbound activity, a tenth of all /api/messages costs); a KeyObject it uses as is.
   */
  key: KeyObject;
  endorsements?: string[];
}

export interface OpenIdSigningKeysOptions {
  metadataUrl: string;
  /** Milliseconds since the epoch; injected so tests can move time. */
  now?: () => number;
  /** At most `unknownKeyRefreshLimit` refreshes caused by unknown kids per this window. */
  unknownKeyRefreshWindowInMs?: number;
  unknownKeyRefreshLimit?: number;
  /** Keys older than this are refreshed before use. */
  maxAgeInMs?: number;
  requestTimeoutInMs?: number;
  fetch?: typeof fetch;
}

const openIdConfigurationSchema = z.object({ jwks_uri: z.string().url() }).passthrough();
const jwksSchema = z.object({
  keys: z.array(
    z
      .object({
        kid: z.string().optional(),
        kty: z.string(),
        n: z.string().optional(),
        e: z.string().optional(),
        endorsements: z.array(z.string()).optional(),
      })
      .passthrough(),
  ),
});

export class OpenIdSigningKeys {
  private readonly metadataUrl: string;
  private readonly now: () => number;
  private readonly refreshWindowInMs: number;
  private readonly refreshLimit: number;
  /** When unknown kids last caused refreshes, within the current window. */
  private unknownKidRefreshes: number[] = [];
  private readonly maxAgeInMs: number;
  private readonly requestTimeoutInMs: number;
  private readonly fetchImpl: typeof fetch;
  private keys = new Map<string, SigningKey>();
  private loadedAt: number | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(options: OpenIdSigningKeysOptions) {
    this.metadataUrl = options.metadataUrl;
    this.now = options.now ?? Date.now;
    this.refreshWindowInMs = options.unknownKeyRefreshWindowInMs ?? 60_000;
    this.refreshLimit = options.unknownKeyRefreshLimit ?? 3;
    this.maxAgeInMs = options.maxAgeInMs ?? 24 * 3_600_000;
    this.requestTimeoutInMs = options.requestTimeoutInMs ?? 10_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The key for `keyId`, or null when the channel does not publish it (even after a refresh). */
  async getKey(keyId: string): Promise<SigningKey | null> {
    if (this.loadedAt === undefined || this.now() - this.loadedAt >= this.maxAgeInMs) {
      await this.refresh(this.loadedAt === undefined);
    }
    const known = this.keys.get(keyId);
    if (known !== undefined) return known;
    const now = this.now();
    this.unknownKidRefreshes = this.unknownKidRefreshes.filter((at) => now - at < this.refreshWindowInMs);
    if (this.unknownKidRefreshes.length < this.refreshLimit) {
      this.unknownKidRefreshes.push(now);
      await this.refresh(false);
    }
    return this.keys.get(keyId) ?? null;
  }

  /** Endorsements of a key already loaded (after getKey); undefined for an unknown kid. */
  endorsementsOf(keyId: string): readonly string[] | undefined {
    const key = this.keys.get(keyId);
    return key === undefined ? undefined : (key.endorsements ?? []);
  }

  /** @param mustSucceed without any keys held, a failed fetch is an error rather than "no such key". */
  private async refresh(mustSucceed: boolean): Promise<void> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    try {
      await this.inFlight;
    } catch (error) {
      if (mustSucceed || this.keys.size === 0) throw error;
    }
  }

  private async load(): Promise<void> {
    try {
      const configuration = openIdConfigurationSchema.parse(await this.getJson(this.metadataUrl));
      const jwks = jwksSchema.parse(await this.getJson(configuration.jwks_uri));
      const keys = new Map<string, SigningKey>();
      for (const jwk of jwks.keys) {
        // Bot Framework signs with RSA; other key types (or keys without a kid) cannot verify its tokens.
        if (jwk.kid === undefined || jwk.kty !== 'RSA' || jwk.n === undefined || jwk.e === undefined) continue;
        const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
        keys.set(jwk.kid, jwk.endorsements === undefined ? { key } : { key, endorsements: jwk.endorsements });
      }
      this.keys = keys;
      this.loadedAt = this.now();
    } catch (thrown) {
      const error = ensureError(thrown);
      throw new GatewayError(errorCodes.AuthenticationUnavailable, `The channel's OpenID signing keys could not be loaded from ${this.metadataUrl}: ${error.message}`, [], { cause: error });
    }
  }

  private async getJson(url: string): Promise<unknown> {
    const response = await this.fetchImpl(url, { signal: AbortSignal.timeout(this.requestTimeoutInMs), headers: { accept: 'application/json' } });
    if (!response.ok) throw new GatewayError(errorCodes.AuthenticationUnavailable, `GET ${url} answered ${response.status}`);
    return response.json();
  }
}
