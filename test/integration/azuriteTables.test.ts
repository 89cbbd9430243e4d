import { TableClient } from '@azure/data-tables';

describe('Azurite from node_modules', () => {
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
});
