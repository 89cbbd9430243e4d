import { startAzuriteTables } from '../../dev/azuriteTables';

/**
 * One Azurite for the whole integration/e2e run; tests isolate themselves by unique ids. The connection
 * string reaches the test workers through the environment (workers start after global set-up).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_TABLES_CONNECTION !== undefined) return;
  const azurite = await startAzuriteTables();
  process.env.TEST_TABLES_CONNECTION = azurite.connectionString;
  (globalThis as { __azurite?: { stop(): Promise<void> } }).__azurite = azurite;
}
