import { readFileSync } from 'node:fs';
import path from 'node:path';

import { type ConsoleLocalHost, startConsoleLocalHost } from './support/consoleLocalHost';
import { apiSectionBlocks, type CurlCall, readmeEmulatorOrigin, readmeGatewayOrigin, runShellExample } from './support/readmeApiExamples';

/**
 * The README's API section as a reader uses it: the `api-setup` lines, then each `api-example` block pasted
 * into bash (curl included) against `npm start`, only the ports changed to the test host's. Every call must
 * answer 2xx, and every notification must reach at least one conversation.
 */
const repoRoot = path.resolve(__dirname, '../..');
const blocks = apiSectionBlocks(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
const setup = blocks.filter((block) => block.info === 'sh api-setup');
const examples = blocks.filter((block) => block.info === 'sh api-example');

describe("README.md's API section", () => {
  it('marks every curl example to be run here, and has one setup block', () => {
    const unmarked = blocks.filter((block) => /^\s*curl /m.test(block.code) && block.info !== 'sh api-example');
    expect(unmarked.map((block) => `${block.heading}: ${block.code.split('\n')[0] ?? ''}`)).toEqual([]);
    expect(setup).toHaveLength(1);
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });
});

describe("README.md's API examples, pasted against npm start", () => {
  let host: ConsoleLocalHost;

  beforeAll(async () => {
    host = await startConsoleLocalHost();
  }, 120_000);

  afterAll(async () => {
    await host?.stop();
  });

  /** The block as pasted after the setup lines, pointed at this run's ports. */
  const pasted = (code: string): string =>
    [setup[0]?.code ?? '', code].join('\n').replaceAll(readmeGatewayOrigin, host.url).replaceAll(readmeEmulatorOrigin, host.emulatorUrl);

  // In page order: later examples follow the notification the first one sends.
  it.each(examples.map((block, index) => [`${index + 1} (${block.heading})`, block.code] as const))('example %s answers 2xx and reaches someone', async (_name, code) => {
    const run = await runShellExample(pasted(code), repoRoot);
    const context = `\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- calls\n${JSON.stringify(run.calls, null, 2)}`;

    expect({ exitCode: run.exitCode, context }).toEqual({ exitCode: 0, context });
    expect(run.calls.length).toBe((code.match(/(^|[\s(])curl /g) ?? []).length);
    expect(run.calls.filter((call) => call.status < 200 || call.status > 299).map((call) => `${call.status} ${call.method} ${call.url} ${call.body}`)).toEqual([]);
    for (const call of run.calls.filter(isNotificationPost)) await expectDeliveries(call);
  }, 60_000);
});

function isNotificationPost(call: CurlCall): boolean {
  return call.method === 'POST' && new URL(call.url).pathname === '/api/notifications';
}

interface NotificationStatus {
  sendAt?: string;
  counts: Record<string, number>;
  fanOut?: { status: string }[];
}

/**
 * A send reached someone: once its broadcasts are expanded and nothing due is still queued, Teams has at least
 * one copy, or, for a send held until a later `sendAt`, at least one copy waits for it. Polled until settled;
 * the test's timeout bounds it.
 */
async function expectDeliveries(call: CurlCall): Promise<void> {
  const { statusUrl } = JSON.parse(call.body) as { statusUrl: string };
  for (;;) {
    const status = (await (await fetch(statusUrl)).json()) as NotificationStatus;
    const expanded = (status.fanOut ?? []).every((fan) => fan.status !== 'expanding');
    const held = status.sendAt !== undefined && Date.parse(status.sendAt) > Date.now();
    const counts = { queued: 0, sent: 0, ...status.counts };
    if (expanded && (held || counts.queued === 0)) {
      const reached = held ? Object.values(counts).reduce((sum, n) => sum + n, 0) : counts.sent;
      expect({ reached: reached > 0, status }).toEqual({ reached: true, status });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
