import { randomUUID } from 'node:crypto';

import { devTenantId } from '../../dev/devIdentity';
import { type ConsoleLocalHost, startConsoleLocalHost } from './support/consoleLocalHost';
import { json, localHostApi } from './support/localHostApi';

/**
 * `ProactiveInstallation=true npm start`: a user of the demo tenant who never installed the app gets the
 * notification, through the public API only, with the install visible in the status (the README's steps).
 */
let host: ConsoleLocalHost;
const { polled } = localHostApi(() => host);

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

  const seen = new Set<string>();
  const status = await polled(accepted.body.id as string, (s) => {
    const installation = s.deliveries[0]?.installation?.status as string | undefined;
    if (installation !== undefined) seen.add(installation);
    return s.counts.queued === 0;
  });
  expect(status).toMatchObject({ status: 'completed', deliveries: [{ status: 'sent', installation: { status: 'installed' } }] });
  expect(seen.has('installing')).toBe(true);

  const chatId = status.deliveries[0].conversationId as string;
  const chat = await json(`${host.emulatorUrl}/_control/conversations/${encodeURIComponent(chatId)}/activities`, 'GET');
  expect(chat.body.activities.map((a: { text: string }) => a.text)).toEqual([text]);
  const stored = await json(`${host.url}/api/conversations?tenantId=${devTenantId}&userId=${userId}`, 'GET');
  expect(stored.body.items).toEqual([expect.objectContaining({ conversationId: chatId, status: 'active' })]);
});
