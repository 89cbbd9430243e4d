import {
  AuthenticationConfiguration,
  type BotFrameworkAuthentication,
  BotFrameworkAuthenticationFactory,
  type ServiceClientCredentials,
  ServiceClientCredentialsFactory,
} from 'botframework-connector';
// Not re-exported from the package root; needed to hand the library our signing keys (see installSigningKeys).
import { JwtTokenExtractor } from 'botframework-connector/lib/auth/jwtTokenExtractor';

import { type CloudEnvironment } from '../cloudEnvironment';
import { ensureError, errorCodes, GatewayError } from '../errors';
import { OpenIdSigningKeys } from './openIdSigningKeys';

/** What the channel's token proved, for logs and for callers that want the claims. */
export interface InboundIdentity {
  appId: string;
  /** The `serviceurl` claim: the activity must name the same serviceUrl. */
  serviceUrl: string;
  claims: Readonly<Record<string, unknown>>;
}

export interface InboundAuthenticator {
  /**
   * Checks the Authorization header alone (shape, signature, issuer, audience, lifetime, msteams endorsement),
   * so a request without a genuine channel token is refused before its body is read. The activity's serviceUrl
   * must then equal `identity.serviceUrl` (receiveActivity.ts checks it). Rejects with GatewayError UNAUTHORIZED
   * (AUTHENTICATION_UNAVAILABLE, a 503, if the signing keys cannot be had).
   */
  authenticate(authorization: string | null | undefined): Promise<InboundIdentity>;
}

export interface BotFrameworkInboundAuthenticatorOptions {
  appId: string;
  cloud: CloudEnvironment;
  /** Injected for tests; by default fetched from cloud.toBotFromChannelOpenIdMetadataUrl. */
  signingKeys?: OpenIdSigningKeys;
}

/** Teams' channel endorsement: the signing key must be published for the msteams channel. */
export const teamsChannelEndorsement = 'msteams';

/**
 * Validates the Bot Framework channel JWT with botframework-connector's own validation
 * (ParameterizedBotFrameworkAuthentication, every endpoint from the configured cloud, so the same code checks
 * the emulator's tokens and real Teams'): RS256 signature against the channel's OpenID keys, issuer,
 * audience = app id, expiry and not-before with 5 minutes' skew, endorsement for msteams (the only channel
 * served), and the presence of the
 * `serviceurl` claim, which the caller compares with the activity once it has read the body (the library
 * would need the body first). On top of the library:
 * - only channel tokens: the library also routes Emulator and skill tokens to other issuers' keys, which a
 *   Teams gateway never accepts, so a token whose issuer is not the channel's is refused before it;
 * - the key must carry the `msteams` endorsement (the library skips the check for keys without endorsements);
 * - an unknown `kid` refreshes the keys promptly (openIdSigningKeys.ts).
 */
export function createBotFrameworkInboundAuthenticator(options: BotFrameworkInboundAuthenticatorOptions): InboundAuthenticator {
  const { appId, cloud } = options;
  const signingKeys = options.signingKeys ?? new OpenIdSigningKeys({ metadataUrl: cloud.toBotFromChannelOpenIdMetadataUrl });
  installSigningKeys(cloud.toBotFromChannelOpenIdMetadataUrl, signingKeys);
  const authentication: BotFrameworkAuthentication = BotFrameworkAuthenticationFactory.create(
    '',
    true,
    cloud.toChannelFromBotLoginUrl,
    cloud.toChannelFromBotOAuthScope,
    cloud.toBotFromChannelTokenIssuer,
    '',
    cloud.toBotFromChannelOpenIdMetadataUrl,
    // The Emulator path is unreachable (issuer pre-check); pointing it at the channel keys keeps every URL from config.
    cloud.toBotFromChannelOpenIdMetadataUrl,
    '',
    new InboundOnlyCredentialsFactory(appId),
    new AuthenticationConfiguration([teamsChannelEndorsement]),
  );

  return {
    async authenticate(authorization) {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
      if (token === undefined) throw unauthorized('A Bearer token is required.');
      const unverified = unverifiedJwt(token);
      if (unverified === undefined) throw unauthorized('The token is not a JWT.');
      if (unverified.payload.iss !== cloud.toBotFromChannelTokenIssuer) throw unauthorized('The token was not issued by the channel.');

      let claims: Record<string, unknown>;
      try {
        // The library reads only channelId and serviceUrl; an empty serviceUrl skips its claim comparison, which
        // the caller makes against the body. The scheme must be exactly "Bearer".
        const result = await authentication.authenticateRequest(
          { channelId: teamsChannelEndorsement, serviceUrl: '' } as Parameters<BotFrameworkAuthentication['authenticateRequest']>[0],
          `Bearer ${token}`,
        );
        claims = Object.fromEntries(result.claimsIdentity.claims.map((claim) => [claim.type, claim.value as unknown]));
      } catch (thrown) {
        if (thrown instanceof GatewayError) throw thrown;
        throw unauthorized(`The token was refused: ${ensureError(thrown).message}`);
      }

      const keyId = typeof unverified.header.kid === 'string' ? unverified.header.kid : '';
      if (!(signingKeys.endorsementsOf(keyId) ?? []).includes(teamsChannelEndorsement)) {
        throw unauthorized(`The signing key is not endorsed for ${teamsChannelEndorsement}.`);
      }
      if (typeof claims.serviceurl !== 'string' || claims.serviceurl === '') throw unauthorized('The token has no serviceurl claim.');
      return { appId, serviceUrl: claims.serviceurl, claims };
    },
  };
}

/** Validation only: says which app ids are ours and that authentication is never disabled. */
class InboundOnlyCredentialsFactory extends ServiceClientCredentialsFactory {
  constructor(private readonly appId: string) {
    super();
  }

  override async isValidAppId(appId: string): Promise<boolean> {
    return Promise.resolve(appId === this.appId);
  }

  override async isAuthenticationDisabled(): Promise<boolean> {
    // Never anonymous: an empty app id must not turn validation off.
    return Promise.resolve(false);
  }

  override async createCredentials(): Promise<ServiceClientCredentials> {
    return Promise.reject(new GatewayError(errorCodes.Internal, 'The inbound authenticator does not make outbound credentials.'));
  }
}

/**
 * JwtTokenExtractor keeps one OpenIdMetadata per metadata URL in a private static map and offers no other way
 * to supply keys. Putting ours there (same getKey contract) is what gives prompt refresh on an unknown kid.
 * If a library upgrade removes the map, start-up fails here instead of silently losing the behaviour.
 */
function installSigningKeys(metadataUrl: string, signingKeys: OpenIdSigningKeys): void {
  const cache: unknown = Reflect.get(JwtTokenExtractor, 'openIdMetadataCache');
  if (!(cache instanceof Map)) {
    throw new GatewayError(errorCodes.Internal, 'botframework-connector no longer keeps JwtTokenExtractor.openIdMetadataCache; signing keys cannot be installed.');
  }
  cache.set(metadataUrl, signingKeys);
}

/**
 * Header and payload of a JWT without verifying it: only to refuse foreign issuers early and to find the kid
 * after the library has verified the token. Hand-written because jsonwebtoken is not a direct dependency.
 */
function unverifiedJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) return undefined;
  const decode = (part: string): Record<string, unknown> | undefined => {
    try {
      const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const decodedHeader = decode(header);
  const decodedPayload = decode(payload);
  return decodedHeader === undefined || decodedPayload === undefined ? undefined : { header: decodedHeader, payload: decodedPayload };
}

function unauthorized(message: string): GatewayError {
  return new GatewayError(errorCodes.Unauthorized, message);
}
