/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies from the gateway and the emulator, read field by field. */
import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';

import { findFreePort } from '../../dev/freePort';
import { readyLine } from '../../dev/localFunctionHost/startupBanner';
import { json } from './support/localHostApi';

/**
 * `npm start` exactly as a user runs it, driven only over HTTP (the gateway's API and the emulator's control
 * API). `--ignore-scripts` skips only `prestart` (the build, which `npm test` has just run; a second tsc writing
 * dist/ under other running tests would race them); the start script itself runs unchanged. Ctrl-C is played as
 * a terminal plays it: SIGINT to the whole process group.
 */
const repoRoot = path.resolve(__dirname, '../..');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<Exit>;
}

async function startNpmStart(env: Record<string, string>): Promise<Started> {
  const child = spawn('npm', ['start', '--ignore-scripts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    // Its own process group, like a terminal's foreground job, so the test can Ctrl-C all of it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const onData = (): void => {
      if (output.includes(readyLine)) resolve();
    };
    child.stdout?.on('data', onData);
    void exited.then((exit) => reject(new Error(`npm start exited (${JSON.stringify(exit)}) before it was ready:\n${output}`)));
  });
  return { child, output: () => output, exited };
}

/** A request with headers fetch will not send as given (Host), answered with status and error code. */
async function rawPost(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, code: (JSON.parse(Buffer.concat(chunks).toString()) as { error?: { code?: string } }).error?.code }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Polls until `read` returns a value; bounded by the test's timeout, never by a timed assertion. */
async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function messagesIn(emulatorUrl: string, conversationId: string, text: string): Promise<any[]> {
  return eventually(async () => {
    const { status, body } = await json(`${emulatorUrl}/_control/conversations/${encodeURIComponent(conversationId)}/activities`);
    expect(status).toBe(200);
    const found = (body.activities as any[]).filter((activity) => activity.type === 'message' && activity.text === text);
    return found.length > 0 ? found : undefined;
  });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function processGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The printed `curl -X POST ... -d '<json>'` line as URL and body (undoing the shell's single quotes). */
function parseCurlLine(line: string): { url: string; body: string } {
  const match = /curl -sS -X POST (\S+) -H 'content-type: application\/json' -d '(.*)'$/.exec(line.trim());
  if (match === null) throw new Error(`not the printed curl line: ${line}`);
  return { url: match[1]!, body: match[2]!.replace(/'\\''/g, "'") };
}

describe('npm start', () => {
  let started: Started | undefined;

  afterAll(() => {
    // Only if an assertion failed before the clean stop: nothing of the run may outlive the test.
    if (started?.child.pid !== undefined && processGroupAlive(started.child.pid)) process.kill(-started.child.pid, 'SIGKILL');
  });

  it('runs the whole gateway, delivers the printed first notification and a new conversation’s, and stops cleanly on Ctrl-C', async () => {
    const [port, emulatorPort] = [await findFreePort(), await findFreePort()];
    started = await startNpmStart({ PORT: String(port), TEAMS_EMULATOR_PORT: String(emulatorPort) });
    const output = started.output();
    const gateway = `http://127.0.0.1:${port}`;
    const emulator = `https://127.0.0.1:${emulatorPort}`;
    expect(output).toContain(`gateway   ${gateway}`);
    expect(output).toContain(`emulator ${emulator}`);
    expect(output).not.toContain('local-emulator-only-secret');
    const azuritePort = Number(/Azurite http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    expect(azuritePort).toBeGreaterThan(0);

    const health = await json(`${gateway}/api/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', checks: { storage: { status: 'up' } } });

    // Drive-by requests a web page could make against the local run are refused before any function runs.
    const driveBy = JSON.stringify({ targets: [{ userId: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', tenantId: '5e2f7c1a-3b4d-4e6f-8a9b-0c1d2e3f4a5b' }], message: { text: 'drive-by' } });
    expect(await rawPost(`${gateway}/api/notifications`, { origin: 'https://evil.example', 'content-type': 'text/plain' }, driveBy)).toEqual({ status: 403, code: 'FORBIDDEN_ORIGIN' });
    expect(await rawPost(`${gateway}/api/notifications`, { host: `evil.example:${port}`, 'content-type': 'application/json' }, driveBy)).toEqual({ status: 421, code: 'MISDIRECTED_REQUEST' });
    expect(await rawPost(`${gateway}/api/notifications`, { 'content-type': 'text/plain' }, driveBy)).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });

    // The first experience: the printed curl line, to the demo chat installed at start.
    const demoConversationId = /conversation (\S+)/.exec(output.slice(output.indexOf('demo ')))?.[1];
    expect(demoConversationId).toBeDefined();
    const curlLine = output.split('\n').find((line) => line.includes('curl -sS -X POST'));
    const printed = parseCurlLine(curlLine ?? '');
    const first = await json(printed.url, 'POST', printed.body);
    expect(first.status).toBe(202);
    const hello = await messagesIn(emulator, demoConversationId!, JSON.parse(printed.body).message.text);
    expect(hello).toHaveLength(1);

    // A conversation made through the emulator's control API is stored by the time the install returns.
    const created = await json(`${emulator}/_control/conversations`, 'POST', { type: 'groupChat', user: { name: 'E2E Tester' } });
    expect(created.status).toBe(201);
    expect(created.body.gateway.map((result: any) => result.status)).toEqual([200, 200]);
    const conversationId: string = created.body.conversationId;
    const stored = await json(`${gateway}/api/conversations/${encodeURIComponent(conversationId)}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ conversationId, status: 'active' });

    const text = `e2e ${conversationId.slice(-8)}`;
    const accepted = await json(`${gateway}/api/notifications`, 'POST', { targets: [{ conversationId }], message: { text } });
    expect(accepted.status).toBe(202);
    const received = await messagesIn(emulator, conversationId, text);
    expect(received[0]).toMatchObject({ receivedCount: 1, activity: { from: { id: expect.stringMatching(/^28:/) } } });
    expect(started.output()).toMatch(/POST \/api\/notifications 202 \d+ms/);

    // Ctrl-C: everything stops, exit code 0, Azurite's port is free and no process of the run is left.
    process.kill(-started.child.pid!, 'SIGINT');
    expect(await started.exited).toEqual({ code: 0, signal: null });
    expect(started.output()).toContain('stopped');
    expect(processGroupAlive(started.child.pid!)).toBe(false);
    expect(await portIsFree(azuritePort)).toBe(true);
    expect(await portIsFree(port)).toBe(true);
  }, 120_000);
});
