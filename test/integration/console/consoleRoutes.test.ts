/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies from the console, read field by field in tests. */
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';

import { consoleActionHeader, consoleResponse } from '../../../dev/console/consoleRoutes';
import { type ConsoleSnapshot } from '../../../dev/console/consoleSnapshot';
import { findFreePort } from '../../../dev/freePort';
import { type LocalHttpRequest, type LocalHttpResponse } from '../../../dev/localFunctionHost/httpAdapter';
import { startTeamsEmulator, type TeamsEmulator } from '../../../dev/teamsEmulator/teamsEmulator';

/** A stand-in gateway: canned API answers, two pages of conversations, and a record of what it was sent. */
async function startFakeGateway(): Promise<{ url: string; received: { method: string; url: string; body: string }[]; close(): Promise<void> }> {
  const received: { method: string; url: string; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://gateway');
      received.push({ method: request.method ?? '', url: `${url.pathname}${url.search}`, body: Buffer.concat(chunks).toString('utf8') });
      const json = (status: number, body: unknown): void => void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (url.pathname === '/api/messages') return json(200, {});
      if (url.pathname === '/api/health') return json(200, { status: 'ok' });
      if (url.pathname === '/api/conversations') {
        return url.searchParams.get('continuationToken') === 'page2'
          ? json(200, { items: [{ conversationId: 'c2', status: 'removed', removedReason: 'ConversationBlockedByUser' }] })
          : json(200, { items: [{ conversationId: 'c1', status: 'active' }], continuationToken: 'page2' });
      }
      if (url.pathname === '/api/notifications/known') return json(200, { id: 'known', status: 'accepted', deliveries: [] });
      if (url.pathname === '/api/notifications' && request.method === 'POST') return json(202, { id: 'new', deliveries: 1 });
      return json(404, { error: { code: 'NOT_FOUND', message: 'no' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: async () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function request(method: string, target: string, options: { body?: unknown; action?: boolean } = {}): LocalHttpRequest {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.action === true) headers[consoleActionHeader] = 'test';
  return { method, origin: 'http://127.0.0.1:7071', target, headers, body: Buffer.from(options.body === undefined ? '' : JSON.stringify(options.body)) };
}

function header(response: LocalHttpResponse | undefined, name: string): string | undefined {
  return response?.headers.find(([key]) => key === name)?.[1];
}

function json(response: LocalHttpResponse | undefined): any {
  return JSON.parse(response?.body.toString('utf8') ?? 'null');
}

describe('the console routes (emulator and a stand-in gateway)', () => {
  let emulator: TeamsEmulator;
  let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
  const queue = { active: 1, scheduled: 2, inFlight: 0, deadLettered: 3 };
  let deps: { gatewayUrl: string; emulatorUrl: string | undefined; queueCounts: () => unknown };

  beforeAll(async () => {
    gateway = await startFakeGateway();
    emulator = await startTeamsEmulator({ port: 0, gatewayUrl: gateway.url });
    deps = { gatewayUrl: gateway.url, emulatorUrl: emulator.url, queueCounts: () => queue };
  });

  afterAll(async () => {
    await emulator.close();
    await gateway.close();
  });

  test('serves the page at / and /console/, its scripts, and the adaptivecards browser bundle', async () => {
    for (const target of ['/', '/console', '/console/']) {
      const page = await consoleResponse(request('GET', target), deps);
      expect(page?.status).toBe(200);
      expect(header(page, 'content-type')).toBe('text/html; charset=utf-8');
      expect(header(page, 'content-security-policy')).toContain("default-src 'self'");
      expect(page?.body.toString()).toContain('<script type="module" src="/console/console.js">');
    }
    const script = await consoleResponse(request('GET', '/console/console.js'), deps);
    expect(header(script, 'content-type')).toBe('text/javascript; charset=utf-8');
    expect(script?.body.toString()).toContain('fetchSnapshot');
    const bundle = await consoleResponse(request('GET', '/console/vendor/adaptivecards.js'), deps);
    expect(bundle?.status).toBe(200);
    expect(bundle?.body.toString()).toContain('AdaptiveCards');
  });

  test('answers only its own paths, and nothing outside its files', async () => {
    expect(await consoleResponse(request('GET', '/api/health'), deps)).toBeUndefined();
    expect(await consoleResponse(request('GET', '/consoles'), deps)).toBeUndefined();
    for (const target of ['/console/missing.js', '/console/..%2Fpackage.json', '/console/static/index.html', '/console/api/unknown']) {
      expect((await consoleResponse(request('GET', target), deps))?.status).toBe(404);
    }
    expect((await consoleResponse(request('POST', '/'), deps))?.status).toBe(405);
  });

  test('proxies the control API, ids encoded once, and refuses changes without the page’s header', async () => {
    const refused = await consoleResponse(request('POST', '/console/api/emulator/conversations', { body: { type: 'personal' } }), deps);
    expect(refused?.status).toBe(403);
    expect(json(refused).error.code).toBe('Forbidden');

    const created = await consoleResponse(request('POST', '/console/api/emulator/conversations', { body: { type: 'personal', user: { name: 'Grace' } }, action: true }), deps);
    expect(created?.status).toBe(201);
    const conversationId: string = json(created).conversationId;
    expect(json(created).gateway.map((result: { status: number }) => result.status)).toEqual([200, 200]);

    const activities = await consoleResponse(request('GET', `/console/api/emulator/conversations/${encodeURIComponent(conversationId)}/activities`), deps);
    expect(activities?.status).toBe(200);
    expect(json(activities)).toEqual({ conversationId, activities: [], userMessages: [] });

    const blocked = await consoleResponse(request('POST', `/console/api/emulator/conversations/${encodeURIComponent(conversationId)}/block`, { action: true }), deps);
    expect(json(blocked).status).toBe('blocked');

    // `%2e%2e` is `..` to a URL parser: resolved before routing, so it never reaches the Connector API beside /_control.
    const escape = await consoleResponse(request('GET', '/console/api/emulator/%2e%2e/%2e%2e/amer/v3/conversations'), deps);
    expect(escape?.status).toBe(404);
    expect(json(escape).error.code).toBe('NotFound');
  });

  test('proxies the gateway API', async () => {
    const answer = await consoleResponse(request('POST', '/console/api/gateway/notifications', { body: { targets: [{ conversationId: 'c1' }], message: { text: 'hi' } }, action: true }), deps);
    expect(answer?.status).toBe(202);
    expect(json(answer)).toEqual({ id: 'new', deliveries: 1 });
    const last = gateway.received.at(-1);
    expect(last).toMatchObject({ method: 'POST', url: '/api/notifications' });
    expect(JSON.parse(last?.body ?? '{}')).toEqual({ targets: [{ conversationId: 'c1' }], message: { text: 'hi' } });
  });

  test('one snapshot gathers the gateway (all pages), followed notifications, the emulator and the queue', async () => {
    const list = json(await consoleResponse(request('GET', '/console/api/emulator/conversations'), deps));
    const selected: string = list.conversations[0].conversationId;
    const answer = await consoleResponse(request('GET', `/console/api/snapshot?conversation=${encodeURIComponent(selected)}&notifications=known,missing`), deps);
    expect(answer?.status).toBe(200);
    const snapshot = json(answer) as ConsoleSnapshot;
    expect(snapshot.gateway.health).toEqual({ status: 200, body: { status: 'ok' } });
    expect(snapshot.gateway.conversations).toEqual([
      { conversationId: 'c1', status: 'active' },
      { conversationId: 'c2', status: 'removed', removedReason: 'ConversationBlockedByUser' },
    ]);
    expect(snapshot.gateway.conversationsTruncated).toBe(false);
    expect(snapshot.notifications.map((n) => [n.id, n.status])).toEqual([
      ['known', 200],
      ['missing', 404],
    ]);
    expect(snapshot.emulator?.conversations).toEqual(list.conversations);
    expect(snapshot.emulator?.activities).toEqual({ conversationId: selected, status: 200, body: { conversationId: selected, activities: [], userMessages: [] } });
    expect(snapshot.emulator?.faults).toMatchObject({ rates: {} });
    expect(snapshot.emulator?.stats).toMatchObject({ duplicates: 0 });
    expect(snapshot.queue).toEqual(queue);
  });

  test('without an emulator (real bot settings) the Teams side says so, and a gateway that is down is reported, not thrown', async () => {
    const downUrl = `http://127.0.0.1:${await findFreePort()}`;
    const realTeams = { gatewayUrl: downUrl, emulatorUrl: undefined, queueCounts: () => undefined };
    const control = await consoleResponse(request('GET', '/console/api/emulator/conversations'), realTeams);
    expect(control?.status).toBe(503);
    expect(json(control).error.code).toBe('EmulatorNotRunning');

    const snapshot = json(await consoleResponse(request('GET', '/console/api/snapshot'), realTeams)) as ConsoleSnapshot;
    expect(snapshot.emulator).toBeUndefined();
    expect(snapshot.queue).toBeUndefined();
    expect(snapshot.gateway.health.status).toBe(0);
    expect((snapshot.gateway.health.body as { error: { code: string } }).error.code).toBe('UpstreamUnreachable');
    expect(snapshot.gateway.conversationsError?.status).toBe(0);

    const proxied = await consoleResponse(request('POST', '/console/api/gateway/notifications', { body: {}, action: true }), realTeams);
    expect(proxied?.status).toBe(502);
    expect(json(proxied).error.code).toBe('UpstreamUnreachable');
  });
});
