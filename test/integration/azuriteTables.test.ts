import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { TableClient } from '@azure/data-tables';

import { azuriteConnectionString, startAzuriteTables } from '../../dev/azuriteTables';

const repoRoot = path.resolve(__dirname, '../..');

function tableOf(connection: string, name: string): TableClient {
  return TableClient.fromConnectionString(connection, name, { allowInsecureConnection: true });
}

async function writeRows(table: TableClient, count: number): Promise<void> {
  await table.createTable();
  for (let i = 0; i < count; i++) await table.upsertEntity({ partitionKey: 'p', rowKey: `r${i}`, value: i });
}

async function countRows(table: TableClient): Promise<number> {
  let rows = 0;
  for await (const entity of table.listEntities()) if (entity.partitionKey === 'p') rows++;
  return rows;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until the process is gone; bounded by the test's timeout, never a timed assertion. */
async function gone(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('Azurite from node_modules', () => {
  const folders: string[] = [];
  const persistDir = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'azurite-persist-'));
    folders.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('stores and reads back an entity through the real Tables SDK', async () => {
    const connection = process.env.TEST_TABLES_CONNECTION;
    expect(connection).toBeDefined();
    const table = TableClient.fromConnectionString(connection!, `smoke${Date.now()}`, { allowInsecureConnection: true });
    await table.createTable();
    await table.upsertEntity({ partitionKey: 'p', rowKey: 'r', value: 'hello' });
    const entity = await table.getEntity<{ value: string }>('p', 'r');
    expect(entity.value).toBe('hello');
    await table.deleteTable();
  });

  it('a stop right after the writes keeps every write of a persisted folder (saved on stop, not at the next autosave)', async () => {
    const dir = persistDir();
    const first = await startAzuriteTables({ persistDir: dir });
    await writeRows(tableOf(first.connectionString, 'persisted'), 50);
    await first.stop();
    expect(alive(first.pid!)).toBe(false);

    const second = await startAzuriteTables({ persistDir: dir });
    try {
      expect(await countRows(tableOf(second.connectionString, 'persisted'))).toBe(50);
    } finally {
      await second.stop();
    }
  });

  it('kill -9 of the process that started it: Azurite saves every answered write and exits, nothing is left behind', async () => {
    const dir = persistDir();
    // The parent is a separate Node process running the compiled module, as `npm start` does.
    const parentProgram = `require(${JSON.stringify(path.join(repoRoot, 'dist/dev/azuriteTables.js'))}).startAzuriteTables({ persistDir: ${JSON.stringify(dir)} })
      .then((azurite) => process.stdout.write(JSON.stringify({ port: azurite.port, pid: azurite.pid }) + '\\n'));`;
    const parent = spawn(process.execPath, ['-e', parentProgram], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
      let output = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('\n')) resolve(JSON.parse(output) as { port: number; pid: number });
      });
      parent.once('exit', (code) => reject(new Error(`the parent exited (${String(code)}) before Azurite started`)));
    });
    await writeRows(tableOf(azuriteConnectionString(started.port), 'orphan'), 30);

    const parentExited = new Promise((resolve) => parent.once('exit', resolve));
    parent.kill('SIGKILL');
    await parentExited;
    await gone(started.pid);

    const again = await startAzuriteTables({ persistDir: dir });
    try {
      expect(await countRows(tableOf(again.connectionString, 'orphan'))).toBe(30);
    } finally {
      await again.stop();
    }
  });
});
