/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies of the API and the emulator, read field by field. */
import { randomUUID } from 'node:crypto';

import { devTenantId } from '../../dev/devIdentity';
import { requestJson as json } from '../integration/teamsEmulator/emulatorFixture';
import { type ConsoleLocalHost, startConsoleLocalHost } from './support/consoleLocalHost';

/**
 * `ProactiveInstallation=true npm start`: a user of the demo tenant who never installed the app gets the
 * notification, through the public API only, with the install visible in the status (the README's steps).
 */
let host: ConsoleLocalHost;
/** Guards against a hang, not a timing assertion: the install wait is a few seconds. */
const settleTimeoutInMs = 30_000;

beforeAll(async () => {
  host = await startConsoleLocalHost({ ProactiveInstallation: 'true' });
}, 120_000);
afterAll(async () => host?.stop());

it('installs the app for a user who never did and delivers the notification in the chat the install opened', async () => {
  const userId = randomUUID();
  const added = await json(`${host.emulatorUrl}/_control/tenants/${devTenantId}/users`, 'POST', { aadObjectId: userId, name: 'Adele Vance' });
  expect(added.status).toBe(201);
  const text = `Org-wide notice ${randomUUID()}`;
  const accepted = await json(`${host.url}/api/notifications`, 'POST', { targets: [{ userId, tenantId: devTenantId }], message: { text } });
  expect(accepted.status).toBe(202);
  expect(accepted.body.unresolved).toEqual([]);

  const deadline = Date.now() + settleTimeoutInMs;
  const seen = new Set<string>();
  let status: any;
  for (;;) {
    status = (await json(`${host.url}/api/notifications/${accepted.body.id as string}`, 'GET')).body;
    const installation = status.deliveries[0]?.installation?.status as string | undefined;
    if (installation !== undefined) seen.add(installation);
    if (status.counts.queued === 0) break;
    if (Date.now() > deadline) throw new Error(`did not settle: ${JSON.stringify(status)}\n${host.output().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(status).toMatchObject({ status: 'completed', deliveries: [{ status: 'sent', installation: { status: 'installed' } }] });
  expect(seen.has('installing')).toBe(true);

  const chatId = status.deliveries[0].conversationId as string;
  const chat = await json(`${host.emulatorUrl}/_control/conversations/${encodeURIComponent(chatId)}/activities`, 'GET');
  expect(chat.body.activities.map((a: { text: string }) => a.text)).toEqual([text]);
  const stored = await json(`${host.url}/api/conversations?tenantId=${devTenantId}&userId=${userId}`, 'GET');
  expect(stored.body.items).toEqual([expect.objectContaining({ conversationId: chatId, status: 'active' })]);
});
