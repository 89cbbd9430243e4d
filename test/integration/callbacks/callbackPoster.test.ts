import { createServer, type Server } from 'node:net';

import { devCallbackSigningSecret } from '../../../dev/devCallbacks';
import { startTeamsEmulator, type TeamsEmulator } from '../../../dev/teamsEmulator/teamsEmulator';
import { createCallbackPoster } from '../../../shared/callbacks/callbackPoster';

/**
 * The signed POST against a real https receiver (the Teams emulator's `/callbacks/{name}`, which checks the
 * signature with the development secret), and the send-time SSRF guard: what it refuses, and that it
 * connects to the address it checked.
 */
let emulator: TeamsEmulator;
let port: number;

beforeAll(async () => {
  emulator = await startTeamsEmulator({ port: 0 });
  port = emulator.port;
});
afterAll(async () => emulator.close());
beforeEach(async () => {
  await fetch(`${emulator.url}/_control/callbacks`, { method: 'DELETE' });
});

interface Arrival {
  name: string;
  eventId?: string;
  signatureValid: boolean;
  answeredWith: number | string;
  body: unknown;
}

async function arrivals(name: string): Promise<Arrival[]> {
  const reply = (await (await fetch(`${emulator.url}/_control/callbacks?name=${name}`)).json()) as { callbacks: Arrival[] };
  return reply.callbacks;
}

const body = JSON.stringify({ eventId: 'evt_poster', type: 'notification.final', notificationId: 'n-1', status: 'completed' });

describe('posting a callback', () => {
  it('arrives signed with the event id; the receiver verifies it and answers 200', async () => {
    const post = createCallbackPoster({ secret: devCallbackSigningSecret, allowPrivateNetwork: true });
    const result = await post(`https://localhost:${port}/callbacks/signed`, 'evt_poster', body, new Date());
    expect(result).toEqual({ kind: 'answered', status: 200 });
    expect(await arrivals('signed')).toEqual([expect.objectContaining({ eventId: 'evt_poster', signatureValid: true, answeredWith: 200, body: JSON.parse(body) as unknown })]);
  });

  it('is refused by the receiver when signed with another secret', async () => {
    const post = createCallbackPoster({ secret: 'another-secret-that-is-long-enough-0123', allowPrivateNetwork: true });
    expect(await post(`https://127.0.0.1:${port}/callbacks/forged`, 'evt_poster', body, new Date())).toEqual({ kind: 'answered', status: 401 });
    expect(await arrivals('forged')).toEqual([expect.objectContaining({ signatureValid: false, answeredWith: 401 })]);
  });

  it('reports the answer and its Retry-After as the receiver gave them', async () => {
    await fetch(`${emulator.url}/_control/callbacks/answers`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'busy', answers: [503] }) });
    const post = createCallbackPoster({ secret: devCallbackSigningSecret, allowPrivateNetwork: true });
    expect(await post(`https://127.0.0.1:${port}/callbacks/busy`, 'evt_poster', body, new Date())).toMatchObject({ kind: 'answered', status: 503 });
  });
});

describe('the send-time SSRF guard', () => {
  it('refuses a name that resolves to a loopback address with the private-network switch off, sending nothing', async () => {
    const post = createCallbackPoster({ secret: devCallbackSigningSecret, allowPrivateNetwork: false });
    const result = await post(`https://localhost:${port}/callbacks/ssrf`, 'evt_poster', body, new Date());
    expect(result).toMatchObject({ kind: 'refused', code: 'ADDRESS_REFUSED' });
    expect(await arrivals('ssrf')).toEqual([]);
  });

  it('refuses when any one of the resolved addresses is private, even if another is public', async () => {
    const post = createCallbackPoster({
      secret: devCallbackSigningSecret,
      allowPrivateNetwork: false,
      resolve: async () => Promise.resolve([{ address: '20.190.151.68', family: 4 }, { address: '10.0.0.4', family: 4 }]),
    });
    expect(await post('https://hooks.contoso.com/x', 'evt_poster', body, new Date())).toMatchObject({ kind: 'refused', code: 'ADDRESS_REFUSED' });
  });

  it('connects to the address it resolved and checked, not to a second lookup of the name', async () => {
    // localhost is 127.0.0.1 to the system; the checked answer says 127.0.0.2, where nothing listens.
    const post = createCallbackPoster({ secret: devCallbackSigningSecret, allowPrivateNetwork: true, resolve: async () => Promise.resolve([{ address: '127.0.0.2', family: 4 }]) });
    expect(await post(`https://localhost:${port}/callbacks/pinned`, 'evt_poster', body, new Date())).toEqual({ kind: 'unreachable', code: 'ECONNREFUSED' });
    expect(await arrivals('pinned')).toEqual([]);
  });
});

describe('a receiver that does not answer', () => {
  it('is unreachable when nothing listens', async () => {
    const closed = await closedPort();
    const post = createCallbackPoster({ secret: devCallbackSigningSecret, allowPrivateNetwork: true });
    expect(await post(`https://127.0.0.1:${closed}/callbacks/none`, 'evt_poster', body, new Date())).toEqual({ kind: 'unreachable', code: 'ECONNREFUSED' });
  });

  it('times out when the receiver hangs', async () => {
    await fetch(`${emulator.url}/_control/callbacks/answers`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'slow', answers: ['hang'] }) });
    const post = createCallbackPoster({ secret: devCallbackSigningSecret, allowPrivateNetwork: true, timeoutInMs: 300 });
    expect(await post(`https://127.0.0.1:${port}/callbacks/slow`, 'evt_poster', body, new Date())).toEqual({ kind: 'unreachable', code: 'TIMEOUT' });
    expect(await arrivals('slow')).toEqual([expect.objectContaining({ answeredWith: 'hang' })]);
  });
});

/** A port that was free a moment ago: listen, note it, close. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
