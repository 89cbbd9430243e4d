import { randomUUID } from 'node:crypto';

import { type Page } from 'playwright-core';

import { ensureChromium } from '../support/installBrowser';
import { type ConsoleBrowser, launchConsoleBrowser } from './support/consoleBrowser';
import { type ConsoleLocalHost, startConsoleLocalHost } from './support/consoleLocalHost';
import { json, localHostApi } from './support/localHostApi';

/**
 * The console's "Status callbacks received" panel in headless Chromium against `npm start`: a notification
 * with a callback to the emulator's receiver shows up there once it is final, marked signed.
 */
const browser = ensureChromium();
if (!browser.available) process.stderr.write(`\n[consoleCallbacks.test.ts] SKIPPED the console browser test: ${browser.reason}\n\n`);
const describeWithBrowser = browser.available ? describe : describe.skip;

/** Guards against a hang, not a timing assertion. */
const settleTimeoutInMs = 30_000;

describeWithBrowser('the console’s status callbacks panel', () => {
  let host: ConsoleLocalHost;
  let chromium: ConsoleBrowser;
  let page: Page;
  const { control } = localHostApi(() => host);

  beforeAll(async () => {
    host = await startConsoleLocalHost();
    chromium = await launchConsoleBrowser(browser.available ? browser.executablePath : '');
    page = await chromium.context.newPage();
    page.setDefaultTimeout(settleTimeoutInMs);
    await page.goto(`${host.url}/`);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await host?.stop();
  });

  test('lists the signed notification.final callback the emulator received', async () => {
    const installed = await control('POST', '/conversations', { type: 'personal', tenantId: randomUUID() });
    const accepted = await json(`${host.url}/api/notifications`, 'POST', {
      targets: [{ conversationId: installed.conversationId }],
      message: { text: 'Nightly export finished' },
      callback: { url: `${host.emulatorUrl}/callbacks/console` },
    });
    expect(accepted.status).toBe(202);
    const id = accepted.body.id as string;

    const item = page.locator(`[data-testid="callback-received"][data-notification-id="${id}"]`);
    await item.waitFor();
    expect(await item.getAttribute('data-type')).toBe('notification.final');
    expect(await item.getAttribute('data-signature-valid')).toBe('true');
    expect(await item.textContent()).toContain('/callbacks/console answered 200');
  });
});
