/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies of the API and the emulator, read field by field. */
import { type JsonResponse, requestJson } from '../../integration/teamsEmulator/emulatorFixture';
import { type ConsoleLocalHost } from './consoleLocalHost';

/** Guards against a hang, not a timing assertion: a delivery settles in well under a second locally. */
const settleTimeoutInMs = 30_000;

/** A JSON request (GET unless told), answered with status and parsed body. */
export async function json(url: string, method = 'GET', body?: unknown): Promise<JsonResponse> {
  return requestJson(url, method, body);
}

export interface LocalHostApi {
  /** A call to the emulator's control API; anything but 2xx throws with the answer. */
  control(method: string, path: string, body?: unknown): Promise<any>;
  /** Polls a notification's status until `done` says so; a hang fails with the host's last output. */
  polled(id: string, done: (status: any) => boolean): Promise<any>;
  /** Polls until nothing is queued or in flight (and, for PATCH/DELETE, until `done` says so). */
  settled(id: string, done?: (status: any) => boolean): Promise<any>;
}

/** The calls e2e tests make against the local host `host()` answers (started in `beforeAll`, hence a getter). */
export function localHostApi(host: () => ConsoleLocalHost): LocalHostApi {
  const control = async (method: string, path: string, body?: unknown): Promise<any> => {
    const reply = await json(`${host().emulatorUrl}/_control${path}`, method, body);
    if (reply.status >= 300) throw new Error(`emulator ${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  const polled = async (id: string, done: (status: any) => boolean): Promise<any> => {
    const deadline = Date.now() + settleTimeoutInMs;
    for (;;) {
      const status = await json(`${host().url}/api/notifications/${id}`);
      if (status.status === 200 && done(status.body)) return status.body;
      if (Date.now() > deadline) throw new Error(`notification ${id} did not settle: ${JSON.stringify(status.body)}\n${host().output().slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const settled = async (id: string, done: (status: any) => boolean = () => true): Promise<any> => polled(id, (status) => status.counts.queued === 0 && done(status));
  return { control, polled, settled };
}
