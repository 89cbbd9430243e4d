import { sign } from 'jsonwebtoken';

import { type SigningKey } from './emulatorKeyMaterial';

/** `iss` of every token the Bot Connector sends to a bot (public cloud; AuthenticationConstants.ToBotFromChannelTokenIssuer). */
export const channelTokenIssuer = 'https://api.botframework.com';

/** Ways to spoil a channel token, for tests of the bot's validation. */
export interface ChannelTokenForgery {
  /** exp an hour ago: well past the 5-minute clock skew validators allow. */
  expired?: boolean;
  audience?: string;
  issuer?: string;
  /** Signed by a key the JWKS lists but endorses for other channels only (not `msteams`). */
  unendorsedKey?: boolean;
  /** Signed by a key no JWKS lists. */
  unknownKey?: boolean;
  /** A different `serviceurl` claim; null leaves the claim out. */
  serviceUrlClaim?: string | null;
  /** nbf an hour ahead: well past the 5-minute skew. */
  notBeforeInFuture?: boolean;
}

export interface ChannelTokenKeys {
  channel: SigningKey;
  otherChannel: SigningKey;
  unlisted: SigningKey;
}

/** Lifetime of the tokens the emulator signs to the bot, and how long before expiry it stops reusing one. */
const tokenLifetimeInSeconds = 3600;
const reuseMarginInSeconds = 600;

/**
 * The Bot Connector's half of inbound authentication ("Authenticate requests from the Bot Connector service"):
 * OpenID metadata, a JWKS whose keys carry `endorsements`, and RS256 JWTs with iss api.botframework.com,
 * aud = the bot's app id and a `serviceurl` claim. botframework-connector reads kid, n, e and endorsements.
 */
export class ChannelTokenIssuer {
  /** Newest first: the signing key, then keys kept listed after a rotation (Microsoft lists keys before and after use). */
  private channelKeys: SigningKey[];
  private readonly cachedTokens = new Map<string, { token: string; reuseUntilInSeconds: number }>();

  constructor(
    private readonly keys: ChannelTokenKeys,
    private readonly appId: string,
    private readonly now: () => number,
  ) {
    this.channelKeys = [keys.channel];
  }

  openIdMetadata(baseUrl: string): Record<string, unknown> {
    return {
      issuer: channelTokenIssuer,
      authorization_endpoint: 'https://invalid.botframework.com',
      jwks_uri: `${baseUrl}/v1/.well-known/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    };
  }

  jwks(): { keys: Record<string, unknown>[] } {
    const listed = (key: SigningKey, endorsements: string[]): Record<string, unknown> => ({
      kty: 'RSA',
      use: 'sig',
      kid: key.kid,
      x5t: key.kid,
      n: key.n,
      e: key.e,
      endorsements,
    });
    return {
      keys: [
        ...this.channelKeys.map((key) => listed(key, ['msteams', 'skype', 'webchat', 'directline', 'emulator'])),
        listed(this.keys.otherChannel, ['webchat', 'directline']),
      ],
    };
  }

  /** A new channel signing key; the previous one stays listed so tokens already sent still validate. */
  rotate(next: SigningKey): void {
    this.channelKeys = [next, ...this.channelKeys].slice(0, 2);
    this.cachedTokens.clear();
  }

  get currentKid(): string {
    return (this.channelKeys[0] as SigningKey).kid;
  }

  /** The token the Connector sends with an activity for `serviceUrl`, reused while comfortably valid. */
  tokenFor(serviceUrl: string): string {
    const nowInSeconds = Math.floor(this.now() / 1000);
    const cached = this.cachedTokens.get(serviceUrl);
    if (cached !== undefined && cached.reuseUntilInSeconds > nowInSeconds) return cached.token;
    const token = this.sign(serviceUrl, {});
    this.cachedTokens.set(serviceUrl, { token, reuseUntilInSeconds: nowInSeconds + tokenLifetimeInSeconds - reuseMarginInSeconds });
    return token;
  }

  sign(serviceUrl: string, forge: ChannelTokenForgery): string {
    const nowInSeconds = Math.floor(this.now() / 1000);
    let nbf = nowInSeconds;
    let exp = nowInSeconds + tokenLifetimeInSeconds;
    if (forge.expired === true) {
      nbf = nowInSeconds - 2 * tokenLifetimeInSeconds;
      exp = nowInSeconds - tokenLifetimeInSeconds;
    }
    if (forge.notBeforeInFuture === true) {
      nbf = nowInSeconds + tokenLifetimeInSeconds;
      exp = nowInSeconds + 2 * tokenLifetimeInSeconds;
    }
    const payload: Record<string, unknown> = {};
    const serviceUrlClaim = forge.serviceUrlClaim === undefined ? serviceUrl : forge.serviceUrlClaim;
    if (serviceUrlClaim !== null) payload.serviceurl = serviceUrlClaim;
    Object.assign(payload, { nbf, exp, iss: forge.issuer ?? channelTokenIssuer, aud: forge.audience ?? this.appId });
    const key =
      forge.unknownKey === true ? this.keys.unlisted : forge.unendorsedKey === true ? this.keys.otherChannel : (this.channelKeys[0] as SigningKey);
    // The Connector's tokens carry no iat; header kid and x5t name the key.
    return sign(payload, key.privateKey, { algorithm: 'RS256', noTimestamp: true, keyid: key.kid, header: { alg: 'RS256', typ: 'JWT', x5t: key.kid } });
  }
}
