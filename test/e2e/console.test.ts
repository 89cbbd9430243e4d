import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { type Page, type Request } from 'playwright-core';

import { ensureChromium } from '../support/installBrowser';
import { type ConsoleBrowser, launchConsoleBrowser } from './support/consoleBrowser';
import { type ConsoleLocalHost, startConsoleLocalHost } from './support/consoleLocalHost';

/**
 * The console in a real headless Chromium against `npm start` as a child process: install → notify → block →
 * notify, asserting only what the page shows (and, for the control forms, what the emulator then reports).
 */
const browser = ensureChromium();
if (!browser.available) process.stderr.write(`\n[console.test.ts] SKIPPED the console browser tests: ${browser.reason}\n\n`);
const describeWithBrowser = browser.available ? describe : describe.skip;

const screenshotPath = path.resolve(__dirname, '../../test-artifacts/console.png');
/** Guards against a hang, not timing assertions: a delivery settles in well under a second locally. */
const settleTimeoutInMs = 30_000;

describeWithBrowser('the console page (headless Chromium, npm start as a child)', () => {
  let host: ConsoleLocalHost;
  let chromium: ConsoleBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    host = await startConsoleLocalHost();
    const served = await fetch(`${host.url}/`);
    if (!(served.headers.get('content-type') ?? '').startsWith('text/html')) {
      throw new Error(`npm start does not serve the console at / (${served.status}): dev/localHost.ts must pass consoleRoutes(...) from dev/console/consoleRoutes.ts as outsidePrefix`);
    }
    chromium = await launchConsoleBrowser(browser.available ? browser.executablePath : '');
    page = await chromium.context.newPage();
    page.setDefaultTimeout(settleTimeoutInMs);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${host.url}/`);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await host?.stop();
  });

  test('shows the gateway as healthy and the demo chat on both sides', async () => {
    await page.locator('[data-testid="gateway-health"][data-status="200"]').waitFor();
    expect(await page.locator('[data-testid="gateway-health"]').textContent()).toContain('gateway ok');
    expect(await page.locator('[data-testid="queue-counts"]').textContent()).toMatch(/queue: \d+ ready/);

    const demo = page.locator('[data-testid="teams-conversation"]', { hasText: 'Demo User' });
    await demo.waitFor();
    const demoId = await demo.getAttribute('data-conversation-id');
    expect(demoId).toMatch(/^a:/);
    await page.locator(`[data-testid="gateway-conversation"][data-conversation-id="${demoId}"][data-status="active"]`).waitFor();
  });

  test('install → notify (card) → block → notify (text): the card arrives, the second fails as blocked and the conversation is removed', async () => {
    // Install the bot for a new user; the page selects the new chat.
    await page.selectOption('[data-testid="install-type"]', 'personal');
    await page.fill('[data-testid="install-user"]', 'Ada Lovelace');
    await page.click('[data-testid="install-button"]');
    const chat = page.locator('[data-testid="teams-conversation"][data-selected="true"]', { hasText: 'Ada Lovelace' });
    await chat.waitFor();
    const conversationId = (await chat.getAttribute('data-conversation-id')) ?? '';
    expect(await chat.getAttribute('data-status')).toBe('active');
    expect(await page.locator('[data-testid="action-status"]').getAttribute('data-kind')).toBe('ok');
    const gatewayRow = page.locator(`[data-testid="gateway-conversation"][data-conversation-id="${conversationId}"]`);
    await gatewayRow.and(page.locator('[data-status="active"]')).waitFor();

    // Notify with the sample card: Teams shows it, rendered by the adaptivecards renderer.
    await page.check('[data-testid="notify-kind-card"]');
    await page.fill('[data-testid="notify-text"]', 'Deployment 42 of checkout-api finished.');
    const firstId = await sendNotification(page);
    await page.locator(`[data-testid="delivery"][data-notification-id="${firstId}"][data-status="sent"]`).waitFor();
    const message = page.locator('[data-testid="teams-chat"] [data-testid="teams-message"]');
    await message.locator('[data-testid="adaptive-card"] .ac-adaptiveCard').waitFor();
    expect(await message.count()).toBe(1);
    expect(await message.first().getAttribute('data-received-count')).toBe('1');
    const cardText = (await message.first().locator('[data-testid="adaptive-card"]').innerText()).replace(/\s+/g, ' ');
    expect(cardText).toContain('Deployment finished');
    expect(cardText).toContain('Deployment 42 of checkout-api finished.');
    expect(cardText).toContain('checkout-api');
    expect(await message.first().locator('[data-testid="adaptive-card"] button', { hasText: 'Open the pipeline' }).count()).toBe(1);

    // The user blocks the bot: Teams tells the bot nothing, so the gateway still thinks it active.
    await chat.locator('[data-testid="teams-block"]').click();
    await page.locator(`[data-testid="teams-conversation"][data-conversation-id="${conversationId}"][data-status="blocked"]`).waitFor();
    expect(await gatewayRow.getAttribute('data-status')).toBe('active');

    // The next notification fails with Teams' reason, and the gateway prunes the conversation.
    await page.check('[data-testid="notify-kind-text"]');
    await page.fill('[data-testid="notify-text"]', 'Second notification, after the block');
    const secondId = await sendNotification(page, firstId);
    const failed = page.locator(`[data-testid="delivery"][data-notification-id="${secondId}"][data-status="failed"]`);
    await failed.waitFor();
    expect(await failed.getAttribute('data-error-code')).toBe('ConversationBlockedByUser');
    expect(await failed.locator('[data-testid="delivery-error-code"]').textContent()).toBe('ConversationBlockedByUser');
    await gatewayRow.and(page.locator('[data-status="removed"]')).waitFor();
    expect(await gatewayRow.getAttribute('data-removed-reason')).toBe('ConversationBlockedByUser');
    expect(await gatewayRow.locator('[data-testid="gateway-reason"]').textContent()).toBe('ConversationBlockedByUser');

    // Teams never received the second message; the first is still the only one.
    expect(await message.count()).toBe(1);
    expect(await page.locator('[data-testid="teams-chat"]').innerText()).not.toContain('Second notification, after the block');
    expect(pageErrors).toEqual([]);

    mkdirSync(path.dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
  });

  test('an update and a delete of a sent notification show as Teams shows them', async () => {
    const demo = page.locator('[data-testid="teams-conversation"]', { hasText: 'Demo User' });
    await demo.click();
    await page.locator('[data-testid="teams-conversation"][data-selected="true"]', { hasText: 'Demo User' }).waitFor();
    await page.check('[data-testid="notify-kind-text"]');
    await page.fill('[data-testid="notify-text"]', 'Build 7 is **green**');
    const id = await sendNotification(page, (await page.locator('[data-testid="notify-button"]').getAttribute('data-last-notification-id')) ?? undefined);
    const message = page.locator('[data-testid="teams-chat"] [data-testid="teams-message"]');
    await message.locator('[data-testid="message-text"]', { hasText: 'Build 7 is **green**' }).waitFor();

    expect((await gateway(host, 'PATCH', `notifications/${id}`, { message: { text: 'Build 7 is green (edited)' } })).status).toBe(202);
    await message.and(page.locator('[data-update-count="1"]')).waitFor();
    expect(await message.locator('[data-testid="message-text"]').textContent()).toBe('Build 7 is green (edited)');
    expect(await message.locator('[data-testid="message-edited"]').textContent()).toBe('edited');

    expect((await gateway(host, 'DELETE', `notifications/${id}`)).status).toBe(202);
    await message.and(page.locator('[data-deleted="true"]')).waitFor();
    expect(await message.innerText()).toContain('This message has been deleted.');
    expect(await message.locator('[data-testid="message-text"]').count()).toBe(0);
  });

  test('what the user writes shows in the chat, next to what the bot posted', async () => {
    await page.locator('[data-testid="teams-conversation"]', { hasText: 'Demo User' }).click();
    await page.locator('[data-testid="teams-conversation"][data-selected="true"]', { hasText: 'Demo User' }).waitFor();
    await page.fill('[data-testid="user-message-text"]', 'Is the deploy done?');
    await page.click('[data-testid="user-message-send"]');
    const written = page.locator('[data-testid="teams-chat"] [data-testid="user-message"]', { hasText: 'Is the deploy done?' });
    await written.waitFor();
    expect(await written.innerText()).toContain('Demo User');
    expect(await page.locator('[data-testid="action-status"]').getAttribute('data-kind')).toBe('ok');
  });

  test('a mention shows highlighted where Teams renders it, and as plain text with the reason in a personal chat; never as <at> tags', async () => {
    await page.selectOption('[data-testid="install-type"]', 'groupChat');
    await page.fill('[data-testid="install-user"]', 'Grace Hopper');
    await page.click('[data-testid="install-button"]');
    const groupChat = page.locator('[data-testid="teams-conversation"][data-selected="true"]', { hasText: 'Grace Hopper' });
    await groupChat.waitFor();
    const groupChatId = (await groupChat.getAttribute('data-conversation-id')) ?? '';
    await page.locator(`[data-testid="gateway-conversation"][data-conversation-id="${groupChatId}"][data-status="active"]`).waitFor();
    const messages = page.locator('[data-testid="teams-chat"] [data-testid="teams-message"]');
    const mentionOf = (name: string, rendered: boolean) => messages.locator(`[data-testid="mention"][data-rendered="${String(rendered)}"]`, { hasText: name });
    let lastId = (await page.locator('[data-testid="notify-button"]').getAttribute('data-last-notification-id')) ?? undefined;

    // A text message and a card, each mentioning the group chat's member through the send form's mention picker.
    for (const kind of ['text', 'card'] as const) {
      await page.check(`[data-testid="notify-kind-${kind}"]`);
      await page.fill('[data-testid="notify-text"]', `please review (${kind})`);
      await page.selectOption('[data-testid="notify-mention"]', { label: '@Grace Hopper' });
      lastId = await sendNotification(page, lastId);
      await page.locator(`[data-testid="delivery"][data-notification-id="${lastId}"][data-status="sent"]`).waitFor();
    }
    const inText = messages.locator('[data-testid="message-text"]').locator('[data-testid="mention"][data-rendered="true"]');
    const inCard = messages.locator('[data-testid="adaptive-card"]').locator('[data-testid="mention"][data-rendered="true"]');
    await inText.waitFor();
    await inCard.waitFor();
    for (const mention of [inText, inCard]) {
      expect(await mention.textContent()).toBe('Grace Hopper');
      expect(await mention.getAttribute('class')).toBe('mention');
    }
    expect(await messages.locator('[data-testid="message-text"]').first().innerText()).toBe('Grace Hopper please review (text)');
    expect(await page.locator('[data-testid="teams-chat"]').innerText()).not.toContain('<at>');

    // In a personal chat Teams ignores mentions: the name is plain text, and the hint says why.
    await page.locator('[data-testid="teams-conversation"]', { hasText: 'Demo User' }).click();
    await page.locator('[data-testid="teams-conversation"][data-selected="true"]', { hasText: 'Demo User' }).waitFor();
    await page.check('[data-testid="notify-kind-text"]');
    await page.fill('[data-testid="notify-text"]', 'your build is done');
    await page.selectOption('[data-testid="notify-mention"]', { label: '@Demo User' });
    lastId = await sendNotification(page, lastId);
    const plain = mentionOf('Demo User', false);
    await plain.waitFor();
    expect(await plain.getAttribute('class')).toBe('mention-plain');
    expect(await plain.getAttribute('title')).toContain('personal chat');
    expect(await mentionOf('Demo User', true).count()).toBe(0);
    expect(await page.locator('[data-testid="teams-chat"]').innerText()).not.toContain('<at>');
    await page.selectOption('[data-testid="notify-mention"]', '');
    expect(pageErrors).toEqual([]);
  });

  test('a send that reaches nobody is a warning naming why, and an empty text is refused, not replaced', async () => {
    // The conversation blocked above is removed in the gateway: a send to it is accepted, but queues nothing.
    const removed = page.locator('[data-testid="gateway-conversation"][data-status="removed"]').first();
    await removed.click();
    const removedId = (await removed.getAttribute('data-conversation-id')) ?? '';
    await page.locator(`[data-testid="teams-chat"][data-conversation-id="${removedId}"]`).waitFor();
    const before = await page.locator('[data-testid="notify-button"]').getAttribute('data-last-notification-id');

    await page.check('[data-testid="notify-kind-text"]');
    await page.fill('[data-testid="notify-text"]', 'To a conversation the gateway removed');
    await page.click('[data-testid="notify-button"]');
    const banner = page.locator('[data-testid="action-status"][data-kind="warn"]');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/accepted but reaches nobody: 0 deliveries queued \(ConversationRemoved \(ConversationBlockedByUser\)\)/);
    const unresolvedId = (await page.locator('[data-testid="notify-button"]').getAttribute('data-last-notification-id')) ?? '';
    expect(unresolvedId).not.toBe(before);
    await page.locator(`[data-testid="delivery"][data-notification-id="${unresolvedId}"][data-status="skipped"]`).waitFor();

    await page.fill('[data-testid="notify-text"]', '   ');
    await page.click('[data-testid="notify-button"]');
    await page.locator('[data-testid="action-status"][data-kind="error"]', { hasText: 'Nothing sent: write the text of the notification first.' }).waitFor();
    expect(await page.locator('[data-testid="notify-button"]').getAttribute('data-last-notification-id')).toBe(unresolvedId);
  });

  test('an unknown notification id is reported once and no longer asked for', async () => {
    const unknownId = 'no-such-notification-4711';
    const asked: string[] = [];
    const onRequest = (request: Request): void => {
      if (request.url().includes('/console/api/snapshot')) asked.push(new URL(request.url()).searchParams.get('notifications') ?? '');
    };
    page.on('request', onRequest);
    try {
      await page.fill('[data-testid="lookup-id"]', unknownId);
      await page.click('[data-testid="lookup-button"]');
      const card = page.locator(`[data-testid="notification"][data-notification-id="${unknownId}"][data-status="unknown"]`);
      await card.waitFor();
      expect(await card.innerText()).toContain('No longer asked for');
      const askedBefore = asked.length;
      // Two more polls: neither asks for the unknown id again.
      for (let poll = 0; poll < 2; poll++) await page.waitForRequest((request) => request.url().includes('/console/api/snapshot'));
      expect(asked.length).toBeGreaterThan(askedBefore);
      expect(asked.slice(askedBefore).filter((ids) => ids.split(',').includes(unknownId))).toEqual([]);
      expect(asked.slice(0, askedBefore).some((ids) => ids.split(',').includes(unknownId))).toBe(true);
    } finally {
      page.off('request', onRequest);
    }
  });

  test('long ids wrap: the page never scrolls sideways at 1,440 px or at 390 px', async () => {
    // A Teams-shaped channel id far longer than usual, installed and selected (the chat shows it in full) ...
    const longChannelId = `19:${'0f1e2d3c4b5a6978'.repeat(12)}@thread.tacv2`;
    const installed = await fetch(`${host.emulatorUrl}/_control/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'channel', conversationId: longChannelId, teamName: 'A team with a rather long name for a narrow window' }),
    });
    expect(installed.status).toBe(201);
    await page.locator(`[data-testid="teams-conversation"][data-conversation-id="${longChannelId}"]`).click();
    await page.locator(`[data-testid="gateway-conversation"][data-conversation-id="${longChannelId}"]`).waitFor();
    // ... and a skipped delivery whose explanation names an unknown long conversation id.
    const unknownLongId = `19:${'abcdef0123456789'.repeat(12)}@thread.v2`;
    const accepted = await gateway(host, 'POST', 'notifications', { targets: [{ conversationId: unknownLongId }], message: { text: 'to nowhere' } });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    await page.fill('[data-testid="lookup-id"]', id);
    await page.click('[data-testid="lookup-button"]');
    await page.locator(`[data-testid="delivery"][data-notification-id="${id}"][data-status="skipped"]`).waitFor();

    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await horizontalOverflow(page)).toMatchObject({ width, fits: true, sticksOut: [] });
    }
    await page.setViewportSize({ width: 1600, height: 1000 });
  });

  test('the fault form and reset drive the emulator’s control API', async () => {
    await page.click('[data-testid="faults-panel"] summary');
    await page.fill('[data-testid="fault-429"]', '0.25');
    await page.fill('[data-testid="fault-seed"]', '7');
    await page.click('[data-testid="faults-apply"]');
    await page.locator('[data-testid="faults-current"]', { hasText: '429 25%' }).waitFor();
    const plan = await control(host, 'GET', 'faults');
    expect(plan).toMatchObject({ rates: { '429': 0.25 }, seed: 7 });

    await page.click('[data-testid="faults-clear"]');
    await page.locator('[data-testid="faults-current"]', { hasText: 'No faults injected.' }).waitFor();
    expect(((await control(host, 'GET', 'faults')) as { rates: object }).rates).toEqual({});

    await page.click('[data-testid="reset-button"]');
    await page.locator('[data-testid="action-status"][data-kind="ok"]', { hasText: 'forgot every conversation' }).waitFor();
    await page.locator('[data-testid="teams-conversation"]').first().waitFor({ state: 'detached' });
    expect(((await control(host, 'GET', 'conversations')) as { conversations: unknown[] }).conversations).toEqual([]);
  });
});

/** Clicks "Send notification" and returns the id the gateway accepted (the page records it on the button). */
async function sendNotification(page: Page, previousId?: string): Promise<string> {
  await page.click('[data-testid="notify-button"]');
  const notPrevious = previousId === undefined ? '' : `:not([data-last-notification-id="${previousId}"])`;
  const button = page.locator(`[data-testid="notify-button"][data-last-notification-id]${notPrevious}`);
  await button.waitFor();
  const id = (await button.getAttribute('data-last-notification-id')) ?? '';
  expect(await page.locator('[data-testid="action-status"]').textContent()).toContain(`Notification ${id} accepted: 1 delivery queued`);
  return id;
}

/** The gateway's API over HTTP, as any caller would use it. */
async function gateway(host: ConsoleLocalHost, method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${host.url}/api/${route}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** Reads the emulator's control API directly (Jest runs under withEmulatorCa, so Node trusts its CA). */
async function control(host: ConsoleLocalHost, method: string, route: string): Promise<unknown> {
  const response = await fetch(`${host.emulatorUrl}/_control/${route}`, { method });
  expect(response.status).toBe(200);
  return response.json();
}

/**
 * Whether the page fits its window (`document.documentElement.scrollWidth <= innerWidth`), and the outermost
 * elements that stick out of it, also inside a box that scrolls (a table cut off at the window's edge is
 * as unreadable as a page that scrolls). Run in the page, so written as a script (the tests have no DOM types).
 */
const overflowScript = `(() => {
  const width = window.innerWidth;
  const scrollWidth = document.documentElement.scrollWidth;
  const sticksOut = [...document.body.querySelectorAll('*')]
    .filter((element) => element.getBoundingClientRect().right > width + 0.5)
    .filter((element) => element.parentElement.getBoundingClientRect().right <= width + 0.5)
    .slice(0, 5)
    .map((element) => element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') + '.' + [...element.classList].join('.') + ' right=' + Math.round(element.getBoundingClientRect().right));
  return { width, fits: scrollWidth <= width, scrollWidth, sticksOut };
})()`;

interface HorizontalOverflow {
  width: number;
  fits: boolean;
  scrollWidth: number;
  sticksOut: string[];
}

async function horizontalOverflow(page: Page): Promise<HorizontalOverflow> {
  return page.evaluate<HorizontalOverflow>(overflowScript);
}
