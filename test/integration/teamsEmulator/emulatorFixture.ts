/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies from the emulator, read field by field in tests. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { type AddressInfo } from 'node:net';

import { devBot } from '../../../dev/devIdentity';
import { startTeamsEmulator, type TeamsEmulator, type TeamsEmulatorOptions } from '../../../dev/teamsEmulator/teamsEmulator';

/** An activity as the stand-in gateway received it. */
export interface CapturedActivity {
  headers: IncomingHttpHeaders;
  activity: Record<string, any>;
}

export interface CaptureGateway {
  url: string;
  received: CapturedActivity[];
  /** The status the stand-in gateway answers for an activity (default 200). */
  answerWith(decide: (activity: Record<string, any>) => number): void;
  close(): Promise<void>;
}

/** A tiny HTTP server in the test's place of the gateway: records what the emulator posts to /api/messages. */
export async function startCaptureGateway(): Promise<CaptureGateway> {
  const received: CapturedActivity[] = [];
  let decide: (activity: Record<string, any>) => number = () => 200;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
      received.push({ headers: request.headers, activity });
      response.writeHead(request.url === '/api/messages' ? decide(activity) : 404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answerWith: (next) => {
      decide = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface EmulatorRig {
  readonly emulator: TeamsEmulator;
  readonly gateway: CaptureGateway;
}

/**
 * A suite's emulator and the capture gateway it posts to: started once for the file and closed after it; each
 * test starts from a reset emulator and an empty gateway that answers 200. Call it at the top of a test file.
 */
export function useEmulatorRig(options: Pick<TeamsEmulatorOptions, 'clock'> = {}): EmulatorRig {
  let started: EmulatorRig | undefined;
  const rig = (): EmulatorRig => {
    if (started === undefined) throw new Error('the emulator rig is used outside a test');
    return started;
  };
  beforeAll(async () => {
    const gateway = await startCaptureGateway();
    started = { gateway, emulator: await startTeamsEmulator({ ...options, port: 0, gatewayUrl: gateway.url }) };
  });
  afterAll(async () => {
    await started?.emulator.close();
    await started?.gateway.close();
  });
  beforeEach(async () => {
    await control(rig().emulator, 'POST', '/reset');
    rig().gateway.received.length = 0;
    rig().gateway.answerWith(() => 200);
  });
  return {
    get emulator() {
      return rig().emulator;
    },
    get gateway() {
      return rig().gateway;
    },
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function requestJson(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** `/_control` call; `path` is appended to `${url}/_control`. */
export async function control(emulator: TeamsEmulator, method: string, path: string, body?: unknown): Promise<JsonResponse> {
  return requestJson(`${emulator.url}/_control${path}`, method, body);
}

/** A bot access token from the emulator's token endpoint (client credentials, as MSAL posts them). */
export async function botToken(emulator: TeamsEmulator, overrides: Record<string, string> = {}, tenant = 'botframework.com'): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: devBot.appId,
    client_secret: devBot.appPassword,
    scope: 'https://api.botframework.com/.default',
    ...overrides,
  });
  const response = await fetch(`${emulator.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (body.access_token === undefined) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** A Connector API call at `serviceUrl` (`${serviceUrl}v3/...`), with the conversation id encoded as clients do. */
export async function connector(
  serviceUrl: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonResponse> {
  return requestJson(`${serviceUrl}${path}`, method, body, token === undefined ? {} : { authorization: `Bearer ${token}` });
}

export function activitiesPath(conversationId: string, activityId?: string): string {
  const base = `v3/conversations/${encodeURIComponent(conversationId)}/activities`;
  return activityId === undefined ? base : `${base}/${encodeURIComponent(activityId)}`;
}

/** A message from the dev bot, as a correct proactive send carries it. */
export function botMessage(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'message', text, from: { id: `28:${devBot.appId}`, name: devBot.name }, ...extra };
}

/** Creates a conversation through the control API and returns its answer. */
export async function createConversation(emulator: TeamsEmulator, request: Record<string, unknown> = { type: 'personal' }): Promise<any> {
  const created = await control(emulator, 'POST', '/conversations', request);
  if (created.status !== 201 && created.status !== 200) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  return created.body;
}
