import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { type AzuriteTables, startAzuriteTables } from '../../dev/azuriteTables';
import { findFreePort } from '../../dev/freePort';
import { type BenchChild, repoRoot, startBenchChild, waitUntilReady } from './benchChild';
import { benchSeedTables, type SeedTables } from './conversationSeeder';
import { EmulatorControl } from './emulatorControl';
import { type GatewayProcess, startGatewayProcess } from './gatewayProcess';
import { type ProcessSample, sampleProcess } from './processMeter';
import { startTableRequestCounter, type TableRequestCounter } from './tableRequestCounter';

/**
 * Everything a gateway run needs besides the gateway: Azurite's Table service and the Teams emulator, each in
 * its own process so neither's CPU lands in the gateway's figures. The gateway itself is started fresh for
 * every run (`startGateway`), so each run's peak RSS is its own.
 */
export interface BenchStack {
  control: EmulatorControl;
  emulatorUrl: string;
  tablesConnectionString: string;
  /** The gateway's conversation tables, for seeding. */
  seedTables: SeedTables;
  gatewayPort: number;
  logDir: string;
  emulatorSample(): ProcessSample | undefined;
  azuriteSample(): ProcessSample | undefined;
  /** Table round trips of the gateways started with `countTableRequests` (one run at a time: snapshot around it). */
  tableRequests: TableRequestCounter;
  startGateway(runName: string, extraEnv: Readonly<Record<string, string>>, options?: GatewayStartOptions): Promise<GatewayProcess>;
  stop(): Promise<void>;
}

export interface GatewayStartOptions {
  /**
   * Route the gateway's Table Storage requests through `tableRequests` (a counting proxy in the bench process).
   * Only the runs that report round trips do: the proxy adds a hop and some of the bench's CPU on the same cores.
   */
  countTableRequests?: boolean;
}

/**
 * `profileDir`: every gateway process writes a V8 CPU profile of its whole run there when it exits,
 * `gateway-<run>.cpuprofile` (cpuProfilePreload.ts).
 */
export async function startBenchStack(logDir: string, profileDir?: string): Promise<BenchStack> {
  mkdirSync(logDir, { recursive: true });
  const gatewayPort = await findFreePort();
  const emulatorPort = await findFreePort();
  let azurite: AzuriteTables | undefined;
  let emulator: BenchChild | undefined;
  let counter: TableRequestCounter | undefined;
  try {
    azurite = await startAzuriteTables();
    counter = await startTableRequestCounter(azurite.connectionString);
    emulator = startBenchChild(process.execPath, [path.join(repoRoot, 'dist/dev/teamsEmulatorMain.js')], path.join(logDir, 'emulator.log'), {
      env: { ...process.env, TEAMS_EMULATOR_PORT: String(emulatorPort), GATEWAY_URL: `http://127.0.0.1:${gatewayPort}` },
    });
    const emulatorUrl = `https://127.0.0.1:${emulatorPort}`;
    const control = new EmulatorControl(emulatorUrl);
    await waitUntilReady('the Teams emulator (dist/dev/teamsEmulatorMain.js)', emulator, async () => (await control.info()).url === emulatorUrl, 60_000);
    const tables = azurite;
    const emulatorChild = emulator;
    const tableRequests = counter;
    return {
      control,
      emulatorUrl,
      tablesConnectionString: tables.connectionString,
      seedTables: benchSeedTables(tables.connectionString),
      gatewayPort,
      logDir,
      emulatorSample: () => (emulatorChild.child.pid === undefined ? undefined : sampleProcess(emulatorChild.child.pid)),
      azuriteSample: () => (tables.pid === undefined ? undefined : sampleProcess(tables.pid)),
      tableRequests,
      startGateway: async (runName, extraEnv, options) =>
        startGatewayProcess({
          port: gatewayPort,
          emulatorUrl,
          tablesConnectionString: options?.countTableRequests === true ? tableRequests.connectionString : tables.connectionString,
          logFile: path.join(logDir, `gateway-${runName}.log`),
          extraEnv: profileDir === undefined ? extraEnv : { ...extraEnv, ...cpuProfileEnv(profileDir, `gateway-${runName}`) },
        }),
      stop: async () => {
        await emulatorChild.stop(5_000);
        await tableRequests.close();
        await tables.stop();
      },
    };
  } catch (error) {
    await counter?.close();
    await emulator?.stop(2_000);
    await azurite?.stop();
    throw error;
  }
}

function cpuProfileEnv(profileDir: string, name: string): Record<string, string> {
  mkdirSync(profileDir, { recursive: true });
  return { NODE_OPTIONS: `--require=${path.join(repoRoot, 'dist/test/bench/cpuProfilePreload.js')}`, CPU_PROFILE_DIR: profileDir, CPU_PROFILE_NAME: name };
}
