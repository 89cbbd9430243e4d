/* global fetch, URLSearchParams */

// The header the console's server requires on changes (see dev/console/consoleRoutes.ts).
const actionHeaders = { 'content-type': 'application/json', 'x-console-action': 'page' };

/** Everything the page shows, in one request: see ConsoleSnapshot in dev/console/consoleSnapshot.ts. */
export async function fetchSnapshot({ conversationId, notificationIds }) {
  const query = new URLSearchParams();
  if (conversationId !== undefined) query.set('conversation', conversationId);
  if (notificationIds.length > 0) query.set('notifications', notificationIds.join(','));
  const response = await fetch(`/console/api/snapshot?${query}`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`the console's server answered ${response.status}`);
  return response.json();
}

/** A call to the emulator's control API (`/_control/<path>`), through the console's proxy. */
export async function callControl(method, path, body) {
  return call(method, `/console/api/emulator/${path}`, body);
}

/** A call to the gateway's API (`/api/<path>`), through the console's proxy. */
export async function callGateway(method, path, body) {
  return call(method, `/console/api/gateway/${path}`, body);
}

/** `{ ok, status, body }`; never throws for an HTTP error, so the page can show what the service said. */
async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: actionHeaders,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = { error: { code: 'NotJson', message: text.slice(0, 300) } };
  }
  return { ok: response.ok, status: response.status, body: parsed };
}
