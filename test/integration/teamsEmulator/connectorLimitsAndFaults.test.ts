import { activitiesPath, botMessage, botToken, connector, control, createConversation, useEmulatorRig } from './emulatorFixture';

/** A pinned clock: the limits are checked at exact instants, never by waiting. */
let now = Date.parse('2026-06-01T09:00:00.000Z');
const rig = useEmulatorRig({ clock: () => now });
let token: string;

beforeEach(async () => {
  now += 3_600_000; // Leave every window of the previous test behind.
  token = await botToken(rig.emulator);
});

async function sendMany(serviceUrl: string, conversationId: string, count: number, label: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    statuses.push((await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage(`${label} ${i}`))).status);
  }
  return statuses;
}

describe("Teams' rate limits", () => {
  it('allows 7 sends per conversation per second, then answers 429 Throttled with Retry-After', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    expect(await sendMany(serviceUrl, conversationId, 7, 'burst')).toEqual([201, 201, 201, 201, 201, 201, 201]);
    const throttled = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('one too many'));
    expect(throttled).toMatchObject({ status: 429, body: { error: { code: 'Throttled', message: 'Too many requests.' } } });
    expect(throttled.headers.get('retry-after')).toBe('1');
    now += 1000;
    expect((await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('after the wait'))).status).toBe(201);
    expect((await control(rig.emulator, 'GET', '/stats')).body.throttled).toBe(1);
  });

  it('counts updates and deletes against the same conversation, but not roster reads (Teams limits those apart)', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const [first] = await sendMany(serviceUrl, conversationId, 1, 'base');
    expect(first).toBe(201);
    const [posted] = (await control(rig.emulator, 'GET', `/conversations/${encodeURIComponent(conversationId)}/activities`)).body.activities;
    const members = `v3/conversations/${encodeURIComponent(conversationId)}/members`;
    for (let i = 0; i < 6; i++) {
      expect((await connector(serviceUrl, token, 'PUT', activitiesPath(conversationId, posted.id), botMessage(`edit ${i}`))).status).toBe(200);
    }
    expect((await connector(serviceUrl, token, 'GET', members)).status).toBe(200);
    expect((await connector(serviceUrl, token, 'DELETE', activitiesPath(conversationId, posted.id))).status).toBe(429);
    for (let i = 0; i < 6; i++) expect((await connector(serviceUrl, token, 'GET', members)).status).toBe(200);
    expect((await connector(serviceUrl, token, 'GET', members)).status).toBe(429);
  });

  it('keeps conversations apart but enforces 50 requests per second per tenant', async () => {
    const tenantId = 'bbbbbbbb-0000-4000-8000-000000000050';
    const conversations = [];
    for (let i = 0; i < 8; i++) conversations.push(await createConversation(rig.emulator, { type: 'personal', tenantId }));
    const statuses: number[] = [];
    for (const { conversationId, serviceUrl } of conversations) statuses.push(...(await sendMany(serviceUrl, conversationId, 7, 'fan-out')));
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(statuses.slice(50)).toEqual([429, 429, 429, 429, 429, 429]);
    // Another tenant has its own budget.
    const other = await createConversation(rig.emulator, { type: 'personal', tenantId: 'bbbbbbbb-0000-4000-8000-000000000051' });
    expect((await connector(other.serviceUrl, token, 'POST', activitiesPath(other.conversationId), botMessage('elsewhere'))).status).toBe(201);
  });

  it('takes new limits through the control API', async () => {
    const changed = await control(rig.emulator, 'PUT', '/limits', { conversation: [{ limit: 2, periodInSeconds: 10 }] });
    expect(changed.body.conversation).toEqual([{ limit: 2, periodInSeconds: 10 }]);
    expect(changed.body.tenant).toEqual([{ limit: 50, periodInSeconds: 1 }]);
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    expect(await sendMany(serviceUrl, conversationId, 3, 'slow lane')).toEqual([201, 201, 429]);
    const retry = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('again'));
    expect(retry.headers.get('retry-after')).toBe('10');
  });
});

describe('injected faults', () => {
  it.each([
    ['429', 429, 'Throttled'],
    ['500', 500, 'ServiceError'],
    ['502', 502, 'ServiceError'],
    ['503', 503, 'ServiceUnavailable'],
    ['504', 504, 'GatewayTimeout'],
    ['412', 412, 'PreconditionFailed'],
  ])('answers fault %s with Teams’ body and leaves the conversation untouched', async (kind, status, code) => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    expect((await control(rig.emulator, 'PUT', '/faults', { rates: { [kind]: 1 } })).status).toBe(200);
    const failed = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('x'));
    expect(failed).toMatchObject({ status, body: { error: { code } } });
    if (status === 429) expect(failed.headers.get('retry-after')).toBe('1');
    await control(rig.emulator, 'PUT', '/faults', {});
    const activities = (await control(rig.emulator, 'GET', `/conversations/${encodeURIComponent(conversationId)}/activities`)).body.activities;
    expect(activities).toEqual([]);
    expect((await control(rig.emulator, 'GET', '/stats')).body.faults).toEqual({ [kind]: 1 });
  });

  it('answers untidily on request: 429 without Retry-After or with an HTTP-date, 502 as HTML, 503 empty', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    const raw = async (kind: string): Promise<Response> => {
      await control(rig.emulator, 'PUT', '/faults', { rates: { [kind]: 1 } });
      return fetch(`${serviceUrl}${activitiesPath(conversationId)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(botMessage('x')),
      });
    };
    const bare = await raw('429NoRetryAfter');
    expect([bare.status, bare.headers.get('retry-after'), ((await bare.json()) as { error: { code: string } }).error.code]).toEqual([429, null, 'Throttled']);
    const dated = await raw('429HttpDate');
    expect(dated.status).toBe(429);
    expect(Date.parse(dated.headers.get('retry-after') ?? '')).toBe(Math.floor((now + 2000) / 1000) * 1000);
    const html = await raw('502Html');
    expect([html.status, html.headers.get('content-type'), (await html.text()).startsWith('<html>')]).toEqual([502, 'text/html', true]);
    const empty = await raw('503Empty');
    expect([empty.status, await empty.text()]).toEqual([503, '']);
    await control(rig.emulator, 'PUT', '/faults', {});
    expect((await control(rig.emulator, 'GET', `/conversations/${encodeURIComponent(conversationId)}/activities`)).body.activities).toEqual([]);
  });

  it('answers an intermittent 401 even to a valid token', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    await control(rig.emulator, 'PUT', '/faults', { rates: { '401': 1 } });
    const failed = await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('x'));
    expect(failed).toMatchObject({ status: 401, body: { message: 'Authorization has been denied for this request.' } });
  });

  it('repeats the same faults for the same seed', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    await control(rig.emulator, 'PUT', '/limits', { conversation: [], tenant: [] });
    const run = async (): Promise<number[]> => {
      await control(rig.emulator, 'PUT', '/faults', { rates: { '503': 0.5 }, seed: 2024 });
      return sendMany(serviceUrl, conversationId, 12, `seeded ${Math.random()}`);
    };
    const first = await run();
    expect(first).toContain(503);
    expect(first).toContain(201);
    expect(await run()).toEqual(first);
  });

  it('applies a send and then drops the connection on reset, so a retry shows as a duplicate', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    await control(rig.emulator, 'PUT', '/faults', { rates: { reset: 1 } });
    await expect(connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('did it arrive?'))).rejects.toThrow();
    await control(rig.emulator, 'PUT', '/faults', {});
    expect((await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('did it arrive?'))).status).toBe(201);
    const [posted] = (await control(rig.emulator, 'GET', `/conversations/${encodeURIComponent(conversationId)}/activities`)).body.activities;
    expect(posted.receivedCount).toBe(2);
    expect((await control(rig.emulator, 'GET', '/stats')).body.requests['POST /{region}/v3/conversations/{conversationId}/activities']).toMatchObject({ reset: 1, '201': 1 });
  });

  it('never answers a hung request, and does not apply it', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    await control(rig.emulator, 'PUT', '/faults', { rates: { hung: 1 } });
    const hung = fetch(`${serviceUrl}${activitiesPath(conversationId)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(botMessage('stuck')),
      signal: AbortSignal.timeout(300),
    });
    await expect(hung).rejects.toThrow();
    await control(rig.emulator, 'PUT', '/faults', {});
    expect((await control(rig.emulator, 'GET', `/conversations/${encodeURIComponent(conversationId)}/activities`)).body.activities).toEqual([]);
  });

  it('answers a slow request late but completely', async () => {
    const { conversationId, serviceUrl } = await createConversation(rig.emulator);
    await control(rig.emulator, 'PUT', '/faults', { rates: { slow: 1 }, slowDelayInMs: 50 });
    expect((await connector(serviceUrl, token, 'POST', activitiesPath(conversationId), botMessage('eventually'))).status).toBe(201);
    expect((await control(rig.emulator, 'GET', '/stats')).body.faults).toEqual({ slow: 1 });
  });
});
