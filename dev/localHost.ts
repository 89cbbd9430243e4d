import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { gatewayFunctions } from '../functions/gatewayFunctions';
import { ensureError } from '../shared/errors';
import { getGatewayServices, provideFromHost } from '../shared/gatewayServices';
import { notificationsQueueSettings } from '../shared/queue/notificationsQueueSettings';
import { type AzuriteTables, startAzuriteTables } from './azuriteTables';
import { consoleRoutes } from './console/consoleRoutes';
import { findFreePort } from './freePort';
import { InProcessServiceBus } from './inProcessServiceBus/inProcessServiceBus';
import { type DemoConversation, demoUser, installDemoConversation } from './localFunctionHost/demoConversation';
import { readHostJsonSettings } from './localFunctionHost/hostJsonSettings';
import { consoleHostLog } from './localFunctionHost/hostLog';
import { type LocalFunctionHost, startLocalFunctionHost } from './localFunctionHost/localFunctionHost';
import { startupBanner } from './localFunctionHost/startupBanner';
import { callbackSecretFrom, embeddedSettings, parseLocalRunOptions, planLocalSettings } from './localSettings';
import { SharedQueueClient } from './sharedQueue/sharedQueueClient';
import { startTeamsEmulator, type TeamsEmulator } from './teamsEmulator/teamsEmulator';

/**
 * `npm start` (= `node dist/dev/withEmulatorCa.js node dist/dev/localHost.js [--persist]`): the whole gateway on
 * one machine. Embedded defaults (Azurite, the Teams emulator with the development bot, the in-process queue)
 * unless the environment has real settings; the one list of function definitions served unchanged.
 */
const log = consoleHostLog();
/** Closers of what has started, run in reverse on Ctrl-C or a failed start. */
const closers: { name: string; close: () => Promise<void> }[] = [];
let stoppingSince: number | undefined;
/**
 * Ctrl-C reaches every process of the terminal's group, and withEmulatorCa passes it on as well, so one keypress
 * arrives twice; only a signal after this long counts as "stop now".
 */
const repeatedSignalGraceInMs = 1_000;

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const started = performance.now();
  const options = parseLocalRunOptions(process.argv.slice(2), process.env);
  const persistDir = options.persist ? path.resolve('.data', 'azurite') : undefined;
  const plan = planLocalSettings(process.env, persistDir === undefined ? {} : { persistDir });
  if (plan.bot.source === 'embedded' && (process.env.NODE_EXTRA_CA_CERTS ?? '') === '') {
    throw new Error('The Teams emulator serves HTTPS with its own CA, which Node trusts only through NODE_EXTRA_CA_CERTS: run `npm start`, not dev/localHost.js directly');
  }
  const { settings: hostJson } = readHostJsonSettings(__dirname);
  // A fixed port before anything starts, so the emulator knows where to post and PublicBaseUrl is right.
  const port = options.port === 0 ? await findFreePort() : options.port;
  const gatewayUrl = `http://127.0.0.1:${port}`;

  if (persistDir !== undefined) mkdirSync(persistDir, { recursive: true });
  const [azurite, emulator] = await startInParallel(
    plan.tables.source === 'embedded' ? async (): Promise<AzuriteTables> => startAzuriteTables(persistDir === undefined ? {} : { persistDir }) : undefined,
    plan.bot.source === 'embedded' ? async (): Promise<TeamsEmulator> => startTeamsEmulator({ port: options.emulatorPort, gatewayUrl, ...callbackSecretFrom(plan, process.env) }) : undefined,
  );

  // Every setting is in place before the first getGatewayServices(): the gateway reads its configuration once.
  const changes = embeddedSettings(plan, {
    gatewayUrl,
    ...(emulator === undefined ? {} : { emulatorUrl: emulator.url }),
    ...(azurite === undefined ? {} : { tablesConnectionString: azurite.connectionString }),
  });
  for (const name of changes.unset) delete process.env[name];
  Object.assign(process.env, changes.set);

  const bus =
    plan.queue.source === 'embedded'
      ? new InProcessServiceBus({ ...notificationsQueueSettings, maxAutoLockRenewalDurationInMs: hostJson.serviceBus.maxAutoLockRenewalDurationInMs })
      : plan.queue.source === 'shared'
        ? await SharedQueueClient.connect(plan.queue.url)
        : undefined;
  if (bus !== undefined) closers.push({ name: 'queue', close: async () => bus.close() });
  // The in-process queue starts empty: whatever a previous run left queued (--persist) lost its message. A
  // shared one started empty when its broker did.
  const queueEmptySince = bus instanceof SharedQueueClient ? new Date(bus.info.startedAt) : new Date();
  provideFromHost(bus === undefined ? {} : { deliveryQueue: bus, queueEmptySince });
  // Validates the configuration now: a bad or missing value stops start-up with every problem named.
  const services = await getGatewayServices();

  let host: LocalFunctionHost;
  try {
    host = await startLocalFunctionHost({
      definitions: gatewayFunctions,
      port,
      hostJson,
      bus,
      env: process.env,
      log,
      // A restart with --persist is caught up at once instead of at the first scheduled run.
      runTimersOnStart: bus instanceof InProcessServiceBus,
      // The console page at `/` (dev/console/), beside the functions under /api.
      outsidePrefix: consoleRoutes({ gatewayUrl, emulatorUrl: emulator?.url, queueCounts: () => (bus instanceof InProcessServiceBus ? bus.getCounts() : undefined) }),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${port} is in use (another npm start or func start?); set PORT to another port`);
    }
    throw error;
  }
  closers.push({ name: 'functions', close: async () => host.close() });

  let demo: DemoConversation | undefined;
  if (emulator !== undefined) demo = await installDemoConversation(emulator.url);

  const banner = startupBanner({
    plan,
    host,
    bot: { appId: services.config.bot.appId, appType: services.config.bot.appType },
    ...(emulator === undefined ? {} : { emulator: { url: emulator.url, caPath: process.env.NODE_EXTRA_CA_CERTS } }),
    ...(azurite === undefined ? {} : { azurite: { port: azurite.port, ...(persistDir === undefined ? {} : { persistDir }) } }),
    ...(bus instanceof InProcessServiceBus ? { queue: notificationsQueueSettings } : {}),
    ...(demo === undefined ? {} : { demo: { ...demo, userName: demoUser.name, userAadObjectId: demoUser.aadObjectId } }),
  });
  process.stdout.write(`${banner.join('\n')}\n(started in ${((performance.now() - started) / 1000).toFixed(1)} s)\n\n`);
}

/** Starts the optional parts at once; if one fails, the others are closed again before the error goes on. */
async function startInParallel(
  azurite: (() => Promise<AzuriteTables>) | undefined,
  emulator: (() => Promise<TeamsEmulator>) | undefined,
): Promise<[AzuriteTables | undefined, TeamsEmulator | undefined]> {
  const [tables, teams] = await Promise.allSettled([azurite?.(), emulator?.()]);
  // Registered in start order, so they close in reverse: the emulator before Azurite.
  if (tables.status === 'fulfilled' && tables.value !== undefined) {
    const value = tables.value;
    closers.push({ name: 'Azurite', close: async () => value.stop() });
  }
  if (teams.status === 'fulfilled' && teams.value !== undefined) {
    const value = teams.value;
    closers.push({ name: 'Teams emulator', close: async () => value.close() });
  }
  if (tables.status === 'rejected') throw ensureError(tables.reason);
  if (teams.status === 'rejected') {
    const error = ensureError(teams.reason);
    throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new Error(`The Teams emulator's port is in use; set TEAMS_EMULATOR_PORT to another port`) : error;
  }
  return [tables.value, teams.value];
}

async function closeAll(): Promise<void> {
  for (const closer of closers.splice(0).reverse()) {
    try {
      await closer.close();
    } catch (error) {
      log.write('warn', `stopping ${closer.name} failed: ${ensureError(error).message}`);
    }
  }
}

async function stop(signal: string): Promise<void> {
  if (stoppingSince !== undefined) {
    // A second Ctrl-C does not wait; Azurite is killed by its exit hook (dev/azuriteTables.ts).
    if (performance.now() - stoppingSince > repeatedSignalGraceInMs) process.exit(130);
    return;
  }
  stoppingSince = performance.now();
  log.write('info', `${signal}: stopping ${[...closers].reverse().map((closer) => closer.name).join(', ')}...`);
  await closeAll();
  log.write('info', 'stopped');
  process.exit(0);
}

main().catch(async (error: unknown) => {
  log.write('error', `npm start failed: ${ensureError(error).message}`);
  await closeAll();
  process.exit(1);
});
