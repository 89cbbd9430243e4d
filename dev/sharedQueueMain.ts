import { ensureError } from '../shared/errors';
import { notificationsQueueSettings } from '../shared/queue/notificationsQueueSettings';
import { InProcessServiceBus } from './inProcessServiceBus/inProcessServiceBus';
import { readHostJsonSettings } from './localFunctionHost/hostJsonSettings';
import { startSharedQueueBroker } from './sharedQueue/sharedQueueBroker';

/**
 * `node dist/dev/sharedQueueMain.js` (PORT, default a free one): the in-process queue as its own process, for
 * several local hosts at once (each started with LOCAL_QUEUE_URL set to the URL this prints). `npm run bench`
 * uses it for its scale-out runs; `npm start` does not need it.
 */
async function main(): Promise<void> {
  const { settings } = readHostJsonSettings(__dirname);
  const bus = new InProcessServiceBus({ ...notificationsQueueSettings, maxAutoLockRenewalDurationInMs: settings.serviceBus.maxAutoLockRenewalDurationInMs });
  const broker = await startSharedQueueBroker({ bus, port: Number(process.env.PORT ?? 0), sessionIdleTimeoutInMs: settings.serviceBus.sessionIdleTimeoutInMs });
  process.stdout.write(`shared queue: ${broker.url}\n`);
  const stop = (): void => {
    void broker
      .close()
      .then(async () => bus.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`shared queue failed: ${ensureError(error).message}\n`);
  process.exit(1);
});
