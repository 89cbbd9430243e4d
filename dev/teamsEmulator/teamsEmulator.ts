import { createServer, type Server } from 'node:https';
import { type AddressInfo } from 'node:net';

import { devCallbackSigningSecret } from '../devCallbacks';
import { devBot, devTeamsAppId, devTenantId, emulatorGatewaySettings } from '../devIdentity';
import { type EmulatorCa, ensureEmulatorCa } from '../emulatorCa';
import { AccessTokenVerifier } from './accessTokenVerifier';
import { CallbackReceiver } from './callbackReceiver';
import { type ChannelTokenForgery, ChannelTokenIssuer } from './channelTokenIssuer';
import { ConnectorApi } from './connectorApi';
import { ControlApi } from './controlApi';
import { generateSigningKey, loadEmulatorKeyMaterial } from './emulatorKeyMaterial';
import { defaultEmulatorLimits, type EmulatorLimits } from './emulatorLimits';
import { EmulatorRouter } from './emulatorRouter';
import { EmulatorStats } from './emulatorStats';
import { EntraTokenEndpoint } from './entraTokenEndpoint';
import { FaultInjector, noFaults } from './faultPlan';
import { GatewayDelivery } from './gatewayDelivery';
import { GraphApi, graphAudience } from './graphApi';
import { controlError, jsonReply, parseTarget, readBody, type Reply, writeReply } from './httpExchange';
import { SlidingWindowRateLimiter } from './rateLimiter';
import { MessageIdClock } from './teamsIds';
import { TeamsState } from './teamsState';

export interface TeamsEmulatorOptions {
  /** 0 = a free port; default TEAMS_EMULATOR_PORT or 7072. */
  port?: number;
  /** Where signed activities are POSTed (+ '/api/messages'); default GATEWAY_URL or http://127.0.0.1:7071. */
  gatewayUrl?: string;
  /** Default: the shared emulator CA (ensureEmulatorCa()). */
  ca?: EmulatorCa;
  /** The one registered bot; default devBot. */
  appId?: string;
  appPassword?: string;
  /** The app's id in the emulated app catalog (Graph installs name it); default devTeamsAppId. */
  teamsAppId?: string;
  /** Tenant of conversations created without one; default devTenantId. */
  defaultTenantId?: string;
  /** Lifetime of the access tokens the token endpoint issues; default 3600; also `PUT /_control/limits`. */
  tokenLifetimeInSeconds?: number;
  /** Epoch milliseconds; injectable so tests can pin time. Default Date.now. */
  clock?: () => number;
  /** The secret `/callbacks/{name}` checks status callbacks' signatures with; default devCallbackSigningSecret. */
  callbackSigningSecret?: string;
}

export interface TeamsEmulator {
  /** `https://127.0.0.1:PORT`: one HTTPS server serves everything. */
  url: string;
  port: number;
  /** `${url}/amer/`: serviceUrl of conversations (Connector API at `${serviceUrl}v3/...`). */
  publicServiceUrl: string;
  /** `${url}/gcc/`: serviceUrl of GCC tenants' conversations. */
  gccServiceUrl: string;
  /** The settings that point the gateway at this emulator (emulatorGatewaySettings(url)). */
  gatewaySettings(): Record<string, string>;
  /** Tests start the emulator before they know the gateway's port. */
  setGatewayUrl(url: string): void;
  /** For tests: a channel JWT like the Bot Connector sends to the bot, with forgeries on demand. */
  signChannelToken(serviceUrl: string, forge?: ChannelTokenForgery): Promise<string>;
  close(): Promise<void>;
}

/** The emulator refuses bodies past this, far above Teams' own 100 KB message limit (which answers 413 itself). */
const maxBodyInBytes = 8 * 1024 * 1024;

/**
 * Starts the Teams emulator: the one faithful stand-in for Microsoft's cloud (Bot Framework OpenID metadata and
 * keys, an Entra-style token endpoint, the Bot Connector API with Teams' rules and limits, and `/_control`).
 */
export async function startTeamsEmulator(options: TeamsEmulatorOptions = {}): Promise<TeamsEmulator> {
  const now = options.clock ?? Date.now;
  const app = { appId: options.appId ?? devBot.appId, appPassword: options.appPassword ?? devBot.appPassword };
  const bot = { id: `28:${app.appId}`, name: options.appId === undefined || options.appId === devBot.appId ? devBot.name : 'Bot' };
  const defaultTenantId = options.defaultTenantId ?? devTenantId;
  const initialTokenLifetime = options.tokenLifetimeInSeconds ?? 3600;
  let gatewayUrl = options.gatewayUrl ?? process.env.GATEWAY_URL ?? 'http://127.0.0.1:7071';
  let baseUrl = '';
  const serviceUrls = (): { base: string; public: string; gcc: string } => ({ base: baseUrl, public: `${baseUrl}/amer/`, gcc: `${baseUrl}/gcc/` });

  const keys = await loadEmulatorKeyMaterial(options.ca ?? (await ensureEmulatorCa()));
  const state = new TeamsState();
  const stats = new EmulatorStats();
  const faults = new FaultInjector(noFaults);
  const messageIds = new MessageIdClock();
  let limits: EmulatorLimits = defaultEmulatorLimits(initialTokenLifetime);
  const conversationLimiter = new SlidingWindowRateLimiter(limits.conversation);
  const tenantLimiter = new SlidingWindowRateLimiter(limits.tenant);
  const setLimits = (next: EmulatorLimits): void => {
    limits = next;
    conversationLimiter.setWindows(next.conversation);
    tenantLimiter.setWindows(next.tenant);
  };

  const channelTokens = new ChannelTokenIssuer(keys, app.appId, now);
  const entra = new EntraTokenEndpoint({
    key: keys.entra,
    app,
    now,
    tokenLifetimeInSeconds: () => limits.tokenLifetimeInSeconds,
    faults,
    onTokenIssued: () => stats.recordTokenIssued(),
    onFault: (fault) => stats.recordFault(fault),
  });
  const delivery = new GatewayDelivery(() => gatewayUrl, channelTokens, (result) => stats.recordGatewayDelivery(result.status));

  const router = new EmulatorRouter();
  router
    .add('GET', '/v1/.well-known/openidconfiguration', () => jsonReply(200, channelTokens.openIdMetadata(baseUrl)))
    .add('GET', '/v1/.well-known/keys', () => jsonReply(200, channelTokens.jwks()))
    .add('GET', '/common/discovery/instance', () => entra.instanceDiscovery(baseUrl))
    .add('GET', '/{tenant}/v2.0/.well-known/openid-configuration', (_e, p) => entra.openIdConfiguration(baseUrl, p.tenant ?? '', 'v2'))
    .add('GET', '/{tenant}/.well-known/openid-configuration', (_e, p) => entra.openIdConfiguration(baseUrl, p.tenant ?? '', 'v1'))
    .add('GET', '/{tenant}/discovery/v2.0/keys', () => entra.jwks())
    .add('GET', '/{tenant}/discovery/keys', () => entra.jwks())
    .add('POST', '/{tenant}/oauth2/v2.0/token', (e, p) => entra.token(p.tenant ?? '', e.bodyText, e.headers));
  new ConnectorApi({
    state,
    appId: app.appId,
    limits: () => limits,
    conversationLimiter,
    tenantLimiter,
    faults,
    verifier: new AccessTokenVerifier(keys.entra, app.appId, now),
    stats,
    messageIds,
    now,
  }).register(router);
  const pendingTimers = new Set<NodeJS.Timeout>();
  const control = new ControlApi({
    state,
    bot,
    defaultTenantId,
    serviceUrls,
    delivery,
    messageIds,
    now,
    faults,
    limits: { get: () => limits, set: setLimits },
    stats,
    gatewayUrl: { get: () => gatewayUrl, set: (url) => (gatewayUrl = url) },
    rotateChannelKey: async () => {
      channelTokens.rotate(await generateSigningKey());
      return channelTokens.currentKid;
    },
    reset: () => {
      state.reset();
      conversationLimiter.reset();
      tenantLimiter.reset();
      faults.setPlan(noFaults);
      setLimits(defaultEmulatorLimits(initialTokenLifetime));
      stats.reset();
      graph.reset();
      callbacks.reset();
    },
    info: () => ({
      url: baseUrl,
      publicServiceUrl: serviceUrls().public,
      gccServiceUrl: serviceUrls().gcc,
      gatewayUrl,
      openIdMetadataUrl: `${baseUrl}/v1/.well-known/openidconfiguration`,
      tokenAuthority: `${baseUrl}/botframework.com`,
      graphEndpoint: `${baseUrl}/graph`,
      bot: { ...bot, appId: app.appId },
      defaultTenantId,
    }),
  });
  control.register(router);
  const graph = new GraphApi({
    state,
    teamsAppId: options.teamsAppId ?? devTeamsAppId,
    verifier: new AccessTokenVerifier(keys.entra, app.appId, now, graphAudience),
    installForUser: (tenantId, aadObjectId) => control.installForUser(tenantId, aadObjectId),
    afterReply: (work) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        work().catch((err: unknown) => console.error('teams emulator: delivering an install event failed', err));
      }, 20);
      pendingTimers.add(timer);
    },
  });
  graph.register(router);
  const callbacks = new CallbackReceiver({ secret: options.callbackSigningSecret ?? devCallbackSigningSecret, now });
  callbacks.register(router);
  const server: Server = createServer({ cert: keys.tls.certPem, key: keys.tls.keyPem }, (request, response) => {
    void (async () => {
      const method = request.method ?? 'GET';
      const target = parseTarget(request.url ?? '/');
      const match = target === undefined ? undefined : router.match(method, target.segments);
      let route = `${method} (unmatched)`;
      let reply: Reply;
      if (target === undefined) {
        reply = controlError(400, 'BadRequest', 'The request path is not valid percent-encoding.');
      } else if (match === undefined) {
        reply = controlError(404, 'NotFound', `No route for ${method} ${request.url ?? ''}.`);
      } else if ('methodNotAllowed' in match) {
        route = `${method} ${match.template}`;
        reply = controlError(405, 'MethodNotAllowed', `${method} is not supported on ${match.template}.`);
      } else {
        route = `${method} ${match.route.template}`;
        const bodyText = await readBody(request, maxBodyInBytes);
        reply =
          bodyText === undefined
            ? controlError(413, 'RequestTooLarge', `The emulator accepts bodies up to ${maxBodyInBytes} bytes.`)
            : await match.route.handle({ method, segments: target.segments, query: target.query, headers: request.headers, bodyText }, match.params);
      }
      stats.recordRequest(route, reply.drop ?? String(reply.status));
      if (reply.drop === 'hang') return; // Closed by the client, or by close().
      if (reply.drop === 'reset') {
        request.socket.destroy();
        return;
      }
      if (reply.delayInMs === undefined || reply.delayInMs <= 0) {
        writeReply(response, reply);
        return;
      }
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        if (!response.destroyed) writeReply(response, reply);
      }, reply.delayInMs);
      pendingTimers.add(timer);
    })().catch((err: unknown) => {
      console.error('teams emulator: request failed', err);
      if (!response.headersSent) writeReply(response, controlError(500, 'EmulatorError', err instanceof Error ? err.message : String(err)));
    });
  });

  const requestedPort = options.port ?? Number(process.env.TEAMS_EMULATOR_PORT ?? 7072);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(requestedPort, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    port,
    publicServiceUrl: serviceUrls().public,
    gccServiceUrl: serviceUrls().gcc,
    gatewaySettings: () => emulatorGatewaySettings(baseUrl),
    setGatewayUrl: (url) => {
      gatewayUrl = url;
    },
    signChannelToken: (serviceUrl, forge = {}) => Promise.resolve(channelTokens.sign(serviceUrl, forge)),
    close: async () => {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
