import { emulatorGatewaySettings } from '../../dev/devIdentity';
import { localHostCommand } from '../../dev/workerNodeArguments';
import { settingNames } from '../../shared/config';
import { type BenchChild, startBenchChild, waitUntilReady } from './benchChild';
import { GatewayApi } from './gatewayApi';
import { type ProcessSample, sampleProcess, waitForChildPid } from './processMeter';

export interface GatewayProcessOptions {
  port: number;
  emulatorUrl: string;
  tablesConnectionString: string;
  logFile: string;
  extraEnv: Readonly<Record<string, string>>;
}

/** The gateway as `npm start` runs it, in its own process; `pid` is the gateway's, not its CA wrapper's. */
export interface GatewayProcess {
  api: GatewayApi;
  pid: number | undefined;
  sample(): ProcessSample | undefined;
  /** Stops it and returns its last sample (peak RSS of this run). */
  stop(): Promise<ProcessSample | undefined>;
}

/** Settings of another identity or store the bench's environment might carry; the gateway must see only ours. */
const foreignSettings = new Set<string>(Object.values(settingNames).filter((name) => !name.startsWith('Delivery') && name !== settingNames.perTenantRequestsPerSecond));

/**
 * Starts the command `npm start` runs (dev/workerNodeArguments.ts localHostCommand, its heap ceiling included) with real
 * settings, as a user pointing it at their own services would: the emulator (in its own process) as the bot's
 * cloud and the bench's Azurite as `TablesConnection`, so the local host embeds neither and the gateway
 * process holds only the gateway and its in-process queue. Resolves once it answers HTTP.
 */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!foreignSettings.has(name)) env[name] = value;
  Object.assign(env, emulatorGatewaySettings(options.emulatorUrl), {
    [settingNames.tablesConnectionString]: options.tablesConnectionString,
    PORT: String(options.port),
    ...options.extraEnv,
  });
  const child: BenchChild = startBenchChild(
    process.execPath,
    localHostCommand.map((part) => (part === 'node' ? process.execPath : part)),
    options.logFile,
    { env },
  );
  const api = new GatewayApi(`http://127.0.0.1:${options.port}`);
  const wrapperPid = child.child.pid;
  try {
    await waitUntilReady('the gateway (dist/dev/localHost.js)', child, async () => (await api.health()) > 0, 60_000);
  } catch (error) {
    await child.stop(2_000);
    throw error;
  }
  const pid = wrapperPid === undefined ? undefined : await waitForChildPid(wrapperPid, 2_000);
  let last: ProcessSample | undefined;
  return {
    api,
    pid,
    sample: () => (pid === undefined ? undefined : sampleProcess(pid)),
    stop: async () => {
      if (pid !== undefined) last = sampleProcess(pid);
      await child.stop(10_000, pid === undefined ? [] : [pid]);
      return last;
    },
  };
}
