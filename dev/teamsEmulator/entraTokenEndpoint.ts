import { createHash, randomUUID } from 'node:crypto';

import { sign } from 'jsonwebtoken';

import { type SigningKey } from './emulatorKeyMaterial';
import { type FaultInjector, type TokenFault } from './faultPlan';
import { jsonReply, type Reply } from './httpExchange';

/** The audience of tokens the Bot Connector accepts (AuthenticationConstants.ToChannelFromBotOAuthScope). */
export const botFrameworkAudience = 'https://api.botframework.com';
/** The real id of the `botframework.com` tenant, the multi-tenant bots' token authority. */
export const botFrameworkTenantId = 'd6d49420-f39b-4df7-a1dc-d59a935871db';

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const tenantlessAuthorities = new Set(['common', 'organizations', 'consumers']);

export interface RegisteredApp {
  appId: string;
  appPassword: string;
}

export interface EntraTokenEndpointOptions {
  key: SigningKey;
  app: RegisteredApp;
  now: () => number;
  tokenLifetimeInSeconds: () => number;
  faults: FaultInjector;
  onTokenIssued?: () => void;
  onFault?: (fault: TokenFault) => void;
}

/**
 * The slice of Microsoft Entra ID that client-credentials clients (MSAL, @azure/identity, botframework-connector)
 * touch: per-tenant OpenID metadata, the tenant's JWKS, instance discovery, and `POST /{tenant}/oauth2/v2.0/token`
 * answering as AAD does, AADSTS codes included. Tokens are v1-shaped, as AAD issues them for the Bot Framework
 * resource (iss sts.windows.net/{tid}/, appid, tid), with `azp` as well.
 */
export class EntraTokenEndpoint {
  constructor(private readonly options: EntraTokenEndpointOptions) {}

  /** The tenant id an authority segment stands for; undefined for names this emulator does not know. */
  static resolveTenant(segment: string): string | undefined {
    if (segment.toLowerCase() === 'botframework.com') return botFrameworkTenantId;
    return guidPattern.test(segment) ? segment.toLowerCase() : undefined;
  }

  openIdConfiguration(baseUrl: string, tenantSegment: string, version: 'v1' | 'v2'): Reply {
    const tenantlessName = tenantlessAuthorities.has(tenantSegment.toLowerCase());
    const tenantId = tenantlessName ? '{tenantid}' : EntraTokenEndpoint.resolveTenant(tenantSegment);
    if (tenantId === undefined) return unknownTenant(tenantSegment, undefined);
    const pathTenant = tenantlessName ? tenantSegment : tenantId;
    const root = `${baseUrl}/${pathTenant}`;
    const v2 = version === 'v2';
    return jsonReply(200, {
      token_endpoint: v2 ? `${root}/oauth2/v2.0/token` : `${root}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: v2 ? `${root}/discovery/v2.0/keys` : `${root}/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? `${baseUrl}/${tenantId}/v2.0` : `https://sts.windows.net/${tenantId}/`,
      request_uri_parameter_supported: false,
      authorization_endpoint: v2 ? `${root}/oauth2/v2.0/authorize` : `${root}/oauth2/authorize`,
      device_authorization_endpoint: v2 ? `${root}/oauth2/v2.0/devicecode` : `${root}/oauth2/devicecode`,
      end_session_endpoint: v2 ? `${root}/oauth2/v2.0/logout` : `${root}/oauth2/logout`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    });
  }

  jwks(): Reply {
    const { key } = this.options;
    return jsonReply(200, { keys: [{ kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n: key.n, e: key.e }] });
  }

  /** `GET /common/discovery/instance`: MSAL's instance discovery, answered for this host alone. */
  instanceDiscovery(baseUrl: string): Reply {
    const host = new URL(baseUrl).host;
    return jsonReply(200, {
      tenant_discovery_endpoint: `${baseUrl}/{tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  }

  /** `POST /{tenant}/oauth2/v2.0/token`, client credentials with a secret (in the body or HTTP Basic). */
  token(tenantSegment: string, bodyText: string, headers: Record<string, string | string[] | undefined>): Reply {
    const correlationId = headerValue(headers['client-request-id']) ?? randomUUID();
    const fail = (status: number, error: string, code: number, description: string): Reply => aadError(this.options.now(), status, error, code, description, correlationId);

    const fault = this.options.faults.drawTokenFault();
    if (fault !== undefined) this.options.onFault?.(fault);
    if (fault === 'temporarily_unavailable') return fail(503, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.');

    if (tenantlessAuthorities.has(tenantSegment.toLowerCase())) {
      return fail(400, 'invalid_request', 50059, 'No tenant-identifying information found in either the request or implied by any provided credentials.');
    }
    const tenantId = EntraTokenEndpoint.resolveTenant(tenantSegment);
    if (tenantId === undefined) return unknownTenant(tenantSegment, correlationId, this.options.now());

    const form = new URLSearchParams(bodyText);
    const basic = basicCredentials(headerValue(headers.authorization));
    const grantType = form.get('grant_type');
    const clientId = form.get('client_id') ?? basic?.clientId ?? null;
    const clientSecret = form.get('client_secret') ?? basic?.clientSecret ?? null;
    const scope = form.get('scope');
    if (grantType === null) return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    if (grantType !== 'client_credentials') {
      return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type; this emulator serves client_credentials only.');
    }
    if (clientId === null) return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    if (clientId !== this.options.app.appId) {
      return fail(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenantSegment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    if (clientSecret === null) {
      return fail(401, 'invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
    }
    if (clientSecret !== this.options.app.appPassword || fault === 'invalid_client') {
      return fail(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    if (scope === null) return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    const resource = scope.split(' ').find((s) => s.endsWith('/.default'));
    if (resource === undefined) {
      return fail(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }

    const lifetime = this.options.tokenLifetimeInSeconds();
    const accessToken = this.accessToken(resource.slice(0, -'/.default'.length), tenantId, clientId, lifetime);
    this.options.onTokenIssued?.();
    const reply = jsonReply(200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken });
    return fault === 'slow' ? { ...reply, delayInMs: this.options.faults.slowDelayInMs } : reply;
  }

  private accessToken(audience: string, tenantId: string, clientId: string, lifetimeInSeconds: number): string {
    const now = Math.floor(this.options.now() / 1000);
    const issuer = `https://sts.windows.net/${tenantId}/`;
    // The app's service principal id: stable per app and tenant, as in Entra.
    const servicePrincipalId = uuidFrom(`${clientId}:${tenantId}`);
    const payload = {
      aud: audience,
      iss: issuer,
      iat: now,
      nbf: now,
      exp: now + lifetimeInSeconds,
      appid: clientId,
      azp: clientId,
      appidacr: '1',
      idp: issuer,
      idtyp: 'app',
      oid: servicePrincipalId,
      sub: servicePrincipalId,
      tid: tenantId,
      uti: randomUUID().replace(/-/g, '').slice(0, 22),
      ver: '1.0',
    };
    const { key } = this.options;
    return sign(payload, key.privateKey, { algorithm: 'RS256', keyid: key.kid, header: { alg: 'RS256', typ: 'JWT', x5t: key.kid } });
  }
}

function aadError(nowInMs: number, status: number, error: string, code: number, description: string, correlationId: string): Reply {
  const traceId = randomUUID();
  const timestamp = new Date(nowInMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return jsonReply(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

function unknownTenant(tenantSegment: string, correlationId: string | undefined, nowInMs = Date.now()): Reply {
  return aadError(
    nowInMs,
    400,
    'invalid_tenant',
    90002,
    `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    correlationId ?? randomUUID(),
  );
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function basicCredentials(authorization: string | undefined): { clientId: string; clientSecret: string } | undefined {
  if (authorization?.startsWith('Basic ') !== true) return undefined;
  const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
}

function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
