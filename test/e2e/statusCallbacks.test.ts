/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies of the API and the emulator, read field by field. */
import { randomUUID } from 'node:crypto';

import { type ConsoleLocalHost, startConsoleLocalHost } from './support/consoleLocalHost';
import { json, localHostApi } from './support/localHostApi';

/**
 * Status callbacks as a user of `npm start` sees them: the embedded settings allow this machine's receivers
 * and sign with the development secret, and the Teams emulator's `/callbacks/{name}` receives the POST,
 * verifies it and lists it at `/_control/callbacks`.
 */
let host: ConsoleLocalHost;
const { control, polled } = localHostApi(() => host);

beforeAll(async () => {
  host = await startConsoleLocalHost();
}, 120_000);
afterAll(async () => host?.stop());

it('POSTs the final state to the emulator’s receiver, signed, and shows it delivered in the status', async () => {
  const installed = await control('POST', '/conversations', { type: 'personal', tenantId: randomUUID() });
  const name = `e2e-${randomUUID().slice(0, 8)}`;
  const accepted = await json(`${host.url}/api/notifications`, 'POST', {
    targets: [{ conversationId: installed.conversationId }],
    message: { text: 'Nightly export finished' },
    callback: { url: `${host.emulatorUrl}/callbacks/${name}` },
  });
  expect(accepted.status).toBe(202);
  const id = accepted.body.id as string;

  const status = await polled(id, (body) => body.callback?.events?.[0]?.state === 'delivered');
  expect(status.status).toBe('completed');
  const received = (await control('GET', `/callbacks?name=${name}`)).callbacks as any[];
  expect(received).toEqual([expect.objectContaining({ signatureValid: true, answeredWith: 200, body: expect.objectContaining({ type: 'notification.final', notificationId: id, status: 'completed' }) })]);
});
