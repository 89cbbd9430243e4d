import { spawn } from 'node:child_process';

import { defaultEmulatorCaDir, emulatorCaDirVariable, ensureEmulatorCa } from './emulatorCa';

/**
 * `node dist/dev/withEmulatorCa.js <command...>`: makes sure the emulator CA exists, then runs the command
 * with NODE_EXTRA_CA_CERTS pointing at it. Node reads that variable only at start-up, so it must be set
 * before the gateway (or Jest and its workers) starts. Signals are passed on; the exit code is kept.
 */
async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined) {
    console.error('usage: withEmulatorCa <command> [args...]');
    process.exit(2);
  }
  const dir = defaultEmulatorCaDir();
  const ca = await ensureEmulatorCa(dir);
  const child = spawn(command, args, {
    stdio: 'inherit',
    shell: process.platform === 'win32',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certPath, [emulatorCaDirVariable]: dir },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === null ? 1 : 128));
  });
}

void main();
