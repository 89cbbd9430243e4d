import { startTeamsEmulator } from './teamsEmulator/teamsEmulator';

/**
 * `node dist/dev/teamsEmulatorMain.js`: the Teams emulator on its own, on TEAMS_EMULATOR_PORT (default 7072),
 * posting to GATEWAY_URL (default http://127.0.0.1:7071). Clients must trust the emulator CA: run them under
 * `node dist/dev/withEmulatorCa.js ...`. Stops on Ctrl-C.
 */
async function main(): Promise<void> {
  const emulator = await startTeamsEmulator();
  const settings = emulator.gatewaySettings();
  console.log(`Teams emulator listening on ${emulator.url}`);
  console.log(`  serviceUrl (public): ${emulator.publicServiceUrl}`);
  console.log(`  serviceUrl (GCC):    ${emulator.gccServiceUrl}`);
  console.log(`  control API:         ${emulator.url}/_control`);
  // Setting names only: the values include the (development) app password.
  console.log(`  gateway settings:    ${Object.keys(settings).join(', ')} (see dev/devIdentity.ts)`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('Teams emulator failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
