import { type JwtPayload, verify } from 'jsonwebtoken';

import { type SigningKey } from './emulatorKeyMaterial';
import { botFrameworkAudience } from './entraTokenEndpoint';

export type BearerVerdict = 'ok' | 'unauthorized' | 'botNotRegistered';

/** Enough distinct tokens for any realistic run; past it the cache starts over rather than grow. */
const maxCachedTokens = 2048;
/** Skew allowed on nbf only: a token must not be used after exp, which is what a late refresh runs into. */
const notBeforeSkewInSeconds = 300;

/**
 * The Connector's check of the bot's bearer token: signed by the emulator's Entra key, aud
 * https://api.botframework.com, within nbf/exp, and issued to the registered bot (appid/azp). The signature is
 * checked once per distinct token string (the hot path sees the same token thousands of times); the time and
 * claim checks run on every request against the injected clock.
 */
export class AccessTokenVerifier {
  private readonly verified = new Map<string, JwtPayload | null>();

  constructor(
    private readonly entraKey: SigningKey,
    private readonly appId: string,
    private readonly now: () => number,
    /** The resource this check guards: the Bot Connector by default, Microsoft Graph for the Graph endpoints. */
    private readonly audience: string = botFrameworkAudience,
  ) {}

  check(authorization: string | undefined): BearerVerdict {
    if (authorization === undefined || !authorization.startsWith('Bearer ')) return 'unauthorized';
    const token = authorization.slice(7).trim();
    let payload = this.verified.get(token);
    if (payload === undefined) {
      payload = this.verifySignature(token);
      if (this.verified.size >= maxCachedTokens) this.verified.clear();
      this.verified.set(token, payload);
    }
    if (payload === null) return 'unauthorized';
    const nowInSeconds = this.now() / 1000;
    if (payload.aud !== this.audience) return 'unauthorized';
    if (typeof payload.exp !== 'number' || payload.exp <= nowInSeconds) return 'unauthorized';
    if (typeof payload.nbf === 'number' && payload.nbf > nowInSeconds + notBeforeSkewInSeconds) return 'unauthorized';
    const appId = (payload as { appid?: unknown; azp?: unknown }).appid ?? (payload as { azp?: unknown }).azp;
    return appId === this.appId ? 'ok' : 'botNotRegistered';
  }

  /** The `tid` of a token `check` accepted (the tenant it was issued in); undefined otherwise. */
  tenantOf(authorization: string | undefined): string | undefined {
    const payload = authorization?.startsWith('Bearer ') === true ? this.verified.get(authorization.slice(7).trim()) : undefined;
    const tid = (payload as { tid?: unknown } | null | undefined)?.tid;
    return typeof tid === 'string' ? tid : undefined;
  }

  private verifySignature(token: string): JwtPayload | null {
    try {
      const payload = verify(token, this.entraKey.publicKey, { algorithms: ['RS256'], ignoreExpiration: true, ignoreNotBefore: true });
      return typeof payload === 'object' ? payload : null;
    } catch {
      return null;
    }
  }
}
