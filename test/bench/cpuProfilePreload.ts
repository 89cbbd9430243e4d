/**
 * `NODE_OPTIONS=--require <this> CPU_PROFILE_DIR=<dir>`: a V8 CPU profile of the whole process, written as
 * `<dir>/<CPU_PROFILE_NAME or gateway-<pid>>.cpuprofile` when it exits (NODE_OPTIONS refuses --cpu-prof itself). Open it in Chrome
 * DevTools or VS Code.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const directory = process.env.CPU_PROFILE_DIR;
// NODE_OPTIONS reaches the emulator-CA wrapper too (dist/dev/withEmulatorCa.js), which only starts the gateway:
// its profile would overwrite the gateway's under the same name.
const isCaWrapper = path.basename(process.argv[1] ?? '') === 'withEmulatorCa.js';
if (directory !== undefined && directory !== '' && !isCaWrapper) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    // The same-thread session answers synchronously, so the profile is written before the process is gone.
    session.post('Profiler.stop', (error, result) => {
      if (error === null) writeFileSync(path.join(directory, `${process.env.CPU_PROFILE_NAME ?? `gateway-${process.pid}`}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
