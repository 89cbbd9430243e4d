import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { ensureError, errorCodes, isGatewayError } from '../shared/errors';
import { getGatewayServices } from '../shared/gatewayServices';
import { jsonResponse } from '../shared/http/jsonResponse';
import { type GatewayFunctionDefinition } from './functionDefinition';

/** A probe must answer well inside a load balancer's timeout even when storage hangs. */
const storageProbeTimeoutInMs = 3_000;

/**
 * `GET /api/health` (anonymous): 200 when the gateway is configured and Table Storage answers, else 503.
 * Says what is up or down, never why in detail (that goes to the log): the endpoint is public.
 */
export async function healthHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  let services;
  try {
    services = await getGatewayServices();
  } catch (error) {
    context.error('health: the gateway could not start', error);
    const code = isGatewayError(error) ? error.code : errorCodes.Internal;
    return jsonResponse(503, { status: 'unavailable', checks: { configuration: { status: 'invalid', code } } }, { 'retry-after': '30' });
  }
  const started = performance.now();
  try {
    await services.conversationStore.checkHealth({ abortSignal: AbortSignal.timeout(storageProbeTimeoutInMs) });
  } catch (error) {
    context.warn(`health: storage is down: ${ensureError(error).message}`);
    const code = isGatewayError(error) ? error.code : errorCodes.StorageUnavailable;
    return jsonResponse(
      503,
      { status: 'unavailable', checks: { configuration: { status: 'ok' }, storage: { status: 'down', code } }, time: services.now().toISOString() },
      { 'retry-after': '5' },
    );
  }
  return jsonResponse(200, {
    status: 'ok',
    checks: { configuration: { status: 'ok', cloud: services.config.cloud.name }, storage: { status: 'up', latencyInMs: Math.round(performance.now() - started) } },
    time: services.now().toISOString(),
  });
}

export const healthFunction: GatewayFunctionDefinition = {
  kind: 'http',
  name: 'health',
  options: { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: healthHandler },
};
