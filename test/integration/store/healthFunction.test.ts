import { HttpRequest, InvocationContext } from '@azure/functions';

import { emulatorGatewaySettings } from '../../../dev/devIdentity';
import { healthHandler } from '../../../functions/health';
import { resetGatewayServices } from '../../../shared/gatewayServices';

const savedEnv = { ...process.env };
const deadTables = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;';

async function health(env: Record<string, string | undefined>): Promise<{ status: number; body: Record<string, unknown> }> {
  process.env = { ...savedEnv, ...env };
  resetGatewayServices();
  const response = await healthHandler(new HttpRequest({ method: 'GET', url: 'http://gateway.test/api/health' }), new InvocationContext({ logHandler: () => undefined }));
  return { status: response.status ?? 200, body: response.jsonBody as Record<string, unknown> };
}

beforeEach(() => jest.spyOn(console, 'info').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());
afterAll(() => {
  process.env = savedEnv;
  resetGatewayServices();
});

describe('GET /api/health', () => {
  const settings = emulatorGatewaySettings('https://127.0.0.1:7072');

  it('200 with a summary when the gateway is configured and storage answers', async () => {
    const { status, body } = await health({ ...settings, TablesConnection: process.env.TEST_TABLES_CONNECTION });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', checks: { configuration: { status: 'ok', cloud: 'public' }, storage: { status: 'up' } } });
    expect(JSON.stringify(body)).not.toMatch(/AccountKey|local-emulator-only-secret/);
  });

  it('503 when storage is down', async () => {
    const { status, body } = await health({ ...settings, TablesConnection: deadTables });
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'unavailable', checks: { storage: { status: 'down', code: 'STORAGE_UNAVAILABLE' } } });
  });

  it('503 when the configuration is invalid, without echoing it', async () => {
    const { status, body } = await health({ MicrosoftAppId: '', TablesConnection: undefined, MicrosoftAppPassword: 'hunter2' });
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'unavailable', checks: { configuration: { status: 'invalid', code: 'CONFIGURATION_INVALID' } } });
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });
});
