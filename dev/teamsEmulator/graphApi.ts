import { z } from 'zod';

import { type AccessTokenVerifier } from './accessTokenVerifier';
import { withBody } from './controlBodies';
import { type EmulatorRouter, type RouteParams } from './emulatorRouter';
import { type GatewayDeliveryResult } from './gatewayDelivery';
import { type IncomingExchange, jsonReply, type Reply } from './httpExchange';
import { type EmulatedConversation, type TeamsState } from './teamsState';

/** The audience of Microsoft Graph tokens (global service); the gateway asks for `<it>/.default`. */
export const graphAudience = 'https://graph.microsoft.com';

/** How the emulated tenant's Graph behaves; `PUT /_control/graph` changes it (tests and people). */
export interface GraphBehaviour {
  /** Admin consent for TeamsAppInstallation.ReadWriteSelfForUser.All given (else 403 "Missing role permissions"). */
  permissionGranted: boolean;
  /** The tenant's app policy blocks the app for users (403). */
  appBlocked: boolean;
  /** Entra object ids of users without a Teams license (404, as Graph answers for them). */
  unlicensedUsers: string[];
  /** The next this-many Graph requests are answered 429 with Retry-After. */
  throttleNext: number;
  retryAfterSeconds: number;
}

export const defaultGraphBehaviour = (): GraphBehaviour => ({ permissionGranted: true, appBlocked: false, unlicensedUsers: [], throttleNext: 0, retryAfterSeconds: 1 });

const graphBehaviourSchema = z
  .object({
    permissionGranted: z.boolean().optional(),
    appBlocked: z.boolean().optional(),
    unlicensedUsers: z.array(z.string().min(1)).optional(),
    throttleNext: z.number().int().min(0).optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  })
  .strict();

const directoryUserSchema = z.object({ aadObjectId: z.string().uuid(), name: z.string().min(1).optional() }).strict();

export interface GraphApiOptions {
  state: TeamsState;
  /** The app's id in the emulated app catalog (what TeamsAppCatalogId must name). */
  teamsAppId: string;
  /** Checks tokens for the Graph audience, issued to the registered bot. */
  verifier: AccessTokenVerifier;
  /** ControlApi.installForUser: the chat and the events a real install brings. */
  installForUser: (tenantId: string, aadObjectId: string) => { conversation: EmulatedConversation; announce: () => Promise<GatewayDeliveryResult[]> } | undefined;
  /** Runs the install's events after the answer is written, as Teams sends them after Graph answers. */
  afterReply: (work: () => Promise<unknown>) => void;
}

/**
 * The slice of Microsoft Graph the gateway uses for proactive installation, under `/graph/v1.0`: install the
 * app for a user (201, 409 when installed), list a user's installations filtered by app, and the chat of an
 * installation, with Graph's error shapes (403 without consent or when policy blocks the app, 404 for an
 * unknown or unlicensed user or an app not in the catalog, 429 with Retry-After). A user exists in a tenant's
 * directory once the emulator knows them (any conversation) or `POST /_control/tenants/{tenantId}/users`.
 */
export class GraphApi {
  private behaviour = defaultGraphBehaviour();

  constructor(private readonly options: GraphApiOptions) {}

  reset(): void {
    this.behaviour = defaultGraphBehaviour();
  }

  register(router: EmulatorRouter): void {
    router
      .add('POST', '/graph/v1.0/users/{userId}/teamwork/installedApps', (e, p) => this.guarded(e, p, (tenantId, userId) => this.install(e, tenantId, userId)))
      .add('GET', '/graph/v1.0/users/{userId}/teamwork/installedApps', (e, p) => this.guarded(e, p, (tenantId, userId) => this.list(e, tenantId, userId)))
      .add('GET', '/graph/v1.0/users/{userId}/teamwork/installedApps/{installationId}/chat', (e, p) =>
        this.guarded(e, p, (tenantId, userId) => this.chat(tenantId, userId, p.installationId ?? '')),
      )
      .add('GET', '/_control/graph', () => jsonReply(200, this.behaviour))
      .add('PUT', '/_control/graph', (e) =>
        withBody(e, graphBehaviourSchema, (body) => {
          this.behaviour = { ...this.behaviour, ...body };
          return jsonReply(200, this.behaviour);
        }),
      )
      .add('POST', '/_control/tenants/{tenantId}/users', (e, p) =>
        withBody(e, directoryUserSchema, (body) => {
          const user = this.options.state.user(p.tenantId ?? '', body.aadObjectId, body.name);
          return jsonReply(201, { tenantId: p.tenantId, ...user });
        }),
      );
  }

  /** Token (audience Graph, the registered bot, its tenant), throttling, consent and the user, in Graph's order. */
  private guarded(exchange: IncomingExchange, params: RouteParams, handle: (tenantId: string, userId: string) => Reply): Reply {
    const authorization = exchange.headers.authorization;
    const verdict = this.options.verifier.check(authorization);
    const tenantId = this.options.verifier.tenantOf(authorization);
    if (verdict !== 'ok' || tenantId === undefined) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    if (this.behaviour.throttleNext > 0) {
      this.behaviour.throttleNext--;
      return graphError(429, 'TooManyRequests', 'Too many requests.', { 'retry-after': String(this.behaviour.retryAfterSeconds) });
    }
    if (!this.behaviour.permissionGranted) {
      return graphError(403, 'Forbidden', "Missing role permissions on the request. API requires one of 'TeamsAppInstallation.ReadWriteSelfForUser.All, TeamsAppInstallation.ReadWriteForUser.All'.");
    }
    const userId = params.userId ?? '';
    const known = this.options.state.findUser(tenantId, userId);
    if (known === undefined || this.behaviour.unlicensedUsers.some((u) => u.toLowerCase() === userId.toLowerCase())) {
      return graphError(404, 'NotFound', `User '${userId}' was not found in the tenant or has no license for Microsoft Teams.`);
    }
    return handle(tenantId, known.aadObjectId);
  }

  private install(exchange: IncomingExchange, tenantId: string, userId: string): Reply {
    let bind: unknown;
    try {
      bind = (JSON.parse(exchange.bodyText) as Record<string, unknown>)['teamsApp@odata.bind'];
    } catch {
      bind = undefined;
    }
    const appId = typeof bind === 'string' ? /\/appCatalogs\/teamsApps\/([^/]+)$/.exec(bind)?.[1] : undefined;
    if (appId === undefined) return graphError(400, 'BadRequest', "The request body must bind 'teamsApp@odata.bind' to an app of the catalog.");
    if (decodeURIComponent(appId) !== this.options.teamsAppId) return graphError(404, 'NotFound', `The teamsApp '${decodeURIComponent(appId)}' was not found in the app catalog.`);
    if (this.behaviour.appBlocked) return graphError(403, 'Forbidden', 'The app is blocked by the app permission policy of the tenant for this user.');
    const installed = this.options.installForUser(tenantId, userId);
    if (installed === undefined) return graphError(409, 'Conflict', 'The app is already installed for the user.');
    this.options.afterReply(installed.announce);
    return { status: 201, headers: { location: `/users/${userId}/teamwork/installedApps/${installationId(installed.conversation)}` } };
  }

  private list(exchange: IncomingExchange, tenantId: string, userId: string): Reply {
    const filter = exchange.query.get('$filter');
    const wanted = filter === null ? undefined : /teamsApp\/id eq '([^']*)'/.exec(filter)?.[1];
    const chat = this.options.state.findPersonal(tenantId, userId);
    const installed = chat?.installed === true && (wanted === undefined || wanted === this.options.teamsAppId) ? [chat] : [];
    return jsonReply(200, {
      value: installed.map((c) => ({ id: installationId(c), teamsApp: { id: this.options.teamsAppId }, teamsAppDefinition: { teamsAppId: this.options.teamsAppId } })),
    });
  }

  private chat(tenantId: string, userId: string, installation: string): Reply {
    const chat = this.options.state.findPersonal(tenantId, userId);
    if (chat?.installed !== true || installationId(chat) !== installation) return graphError(404, 'NotFound', `No installation '${installation}' for the user.`);
    return jsonReply(200, { id: chat.id, chatType: 'oneOnOne', tenantId });
  }
}

/** Graph names an installation by an opaque id; the emulator derives it from the chat. */
function installationId(conversation: EmulatedConversation): string {
  return Buffer.from(conversation.id).toString('base64url');
}

function graphError(status: number, code: string, message: string, headers?: Record<string, string>): Reply {
  const body = { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19) } } };
  return headers === undefined ? jsonReply(status, body) : jsonReply(status, body, headers);
}
