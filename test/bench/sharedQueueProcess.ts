import path from 'node:path';

import { findFreePort } from '../../dev/freePort';
import { repoRoot, startBenchChild, waitUntilReady } from './benchChild';

/** The queue several gateway processes share (dev/sharedQueueMain.js), in its own process like Azurite and the emulator. */
export interface SharedQueueProcess {
  url: string;
  stop(): Promise<void>;
}

export async function startSharedQueueProcess(logFile: string): Promise<SharedQueueProcess> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const child = startBenchChild(process.execPath, [path.join(repoRoot, 'dist', 'dev', 'sharedQueueMain.js')], logFile, { env: { ...process.env, PORT: String(port) } });
  try {
    await waitUntilReady('the shared queue (dist/dev/sharedQueueMain.js)', child, async () => (await fetch(`${url}/queue`)).ok, 30_000);
  } catch (error) {
    await child.stop(2_000);
    throw error;
  }
  return { url, stop: async () => child.stop(5_000) };
}
