import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { type TokenCredential } from '@azure/identity';

import { type TablesConnection } from '../config';
import { loadOnFirstUse } from '../loadOnFirstUse';

/**
 * A TableClient from the `TablesConnection` setting, the way the Functions host reads it: a connection string
 * (Azurite locally), or `__serviceUri` with a managed identity (`__clientId` for a user-assigned one, else
 * DefaultAzureCredential). Plain http is allowed only where the endpoint itself is http (Azurite).
 */
export function createTableClient(connection: TablesConnection, tableName: string, options: TableServiceClientOptions = {}): TableClient {
  if (connection.kind === 'connectionString') {
    const insecure = isHttpConnectionString(connection.connectionString);
    return TableClient.fromConnectionString(connection.connectionString, tableName, { ...options, allowInsecureConnection: insecure });
  }
  const credential = managedIdentityCredential(connection.clientId);
  const insecure = new URL(connection.serviceUri).protocol === 'http:';
  return new TableClient(connection.serviceUri, tableName, credential, { ...options, allowInsecureConnection: insecure });
}

/**
 * The managed identity, with @azure/identity required on the first token request rather than at start-up
 * (it costs a few hundred ms to load, and a connection-string setup never needs it).
 */
function managedIdentityCredential(clientId: string | undefined): TokenCredential {
  const credential = loadOnFirstUse(async () => {
    const { DefaultAzureCredential, ManagedIdentityCredential } = await import('@azure/identity');
    return clientId === undefined ? new DefaultAzureCredential() : new ManagedIdentityCredential({ clientId });
  });
  return { getToken: async (scopes, options) => (await credential()).getToken(scopes, options) };
}

export function isHttpConnectionString(connectionString: string): boolean {
  const settings = new Map(
    connectionString
      .split(';')
      .map((part) => part.trim())
      .filter((part) => part.includes('='))
      .map((part) => {
        const at = part.indexOf('=');
        return [part.slice(0, at).toLowerCase(), part.slice(at + 1)] as const;
      }),
  );
  if (settings.get('usedevelopmentstorage')?.toLowerCase() === 'true') return true;
  const endpoint = settings.get('tableendpoint');
  if (endpoint !== undefined) return endpoint.toLowerCase().startsWith('http://');
  return settings.get('defaultendpointsprotocol')?.toLowerCase() === 'http';
}
