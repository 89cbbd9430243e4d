import { type HttpResponseInit } from '@azure/functions';

/** A JSON response; `cache-control: no-store` because every answer describes live state. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'cache-control': 'no-store', ...headers } };
}
