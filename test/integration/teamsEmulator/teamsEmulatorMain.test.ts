import { spawn } from 'node:child_process';
import path from 'node:path';

import { findFreePort } from '../../../dev/freePort';
import { requestJson } from './emulatorFixture';

/** The standalone CLI, as built by `npm run build` (which `npm test` runs first). */
const main = path.resolve(__dirname, '../../../dist/dev/teamsEmulatorMain.js');

describe('node dist/dev/teamsEmulatorMain.js', () => {
  it('listens on TEAMS_EMULATOR_PORT, prints its URL without secrets, and stops on Ctrl-C', async () => {
    const port = await findFreePort();
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, TEAMS_EMULATOR_PORT: String(port), GATEWAY_URL: 'http://127.0.0.1:9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('gateway settings')) resolve();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('exit', () => reject(new Error(`exited early: ${output}`)));
    });

    expect(output).toContain(`listening on https://127.0.0.1:${port}`);
    expect(output).not.toContain('local-emulator-only-secret');
    const info = await requestJson(`https://127.0.0.1:${port}/_control`, 'GET');
    expect(info.body).toMatchObject({ url: `https://127.0.0.1:${port}`, gatewayUrl: 'http://127.0.0.1:9' });

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
