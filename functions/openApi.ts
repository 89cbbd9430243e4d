import { type HttpRequest, type HttpResponseInit } from '@azure/functions';

import openApiDocument from '../docs/openapi.json';
import { jsonResponse } from '../shared/http/jsonResponse';
import { type GatewayFunctionDefinition } from './functionDefinition';

/**
 * `GET /api/openapi.json` (anonymous: it describes the API, not its data): the OpenAPI 3.0 document of the
 * gateway's HTTP API (docs/openapi.json, compiled in), with `servers` set to the address it was fetched from
 * so tools can call the API straight from it.
 */
export function openApiHandler(request: HttpRequest): Promise<HttpResponseInit> {
  const origin = new URL(request.url).origin;
  return Promise.resolve(jsonResponse(200, { ...openApiDocument, servers: [{ url: origin, description: 'This gateway' }] }, { 'cache-control': 'public, max-age=300' }));
}

export const openApiFunction: GatewayFunctionDefinition = {
  kind: 'http',
  name: 'openApi',
  options: { methods: ['GET'], authLevel: 'anonymous', route: 'openapi.json', handler: openApiHandler },
};
