import { parseRetryAfter } from '../delivery/retryAfter';
import { parseConnectorErrorBody } from './connectorErrorBody';
import { type ConnectorOutcome } from './connectorOutcome';

/** How the request ended on our side, known only to the client that ran it. */
export interface FailureContext {
  /** Our per-request timer fired (the request was aborted for taking too long). */
  timedOut: boolean;
  timeoutInMs: number;
  now: Date;
}

/** The shape of a RestError from @azure/core-rest-pipeline, read structurally (it is not our dependency). */
interface ThrownByPipeline {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  response?: {
    status?: unknown;
    bodyAsText?: unknown;
    headers?: { get(name: string): string | undefined };
  };
}

/**
 * Turns what the Connector client's pipeline threw into an outcome. The pipeline throws for every status its
 * operation spec does not list, including some 2xx (Teams answers DELETE with 204; a 201 with an unreadable
 * body): those were delivered and are reported as success, so a retry never sends a duplicate.
 */
export function classifyConnectorFailure(thrown: unknown, context: FailureContext): ConnectorOutcome {
  const error = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as ThrownByPipeline;
  const status = typeof error.response?.status === 'number' ? error.response.status : undefined;
  if (status !== undefined && status > 0) {
    const bodyText = typeof error.response?.bodyAsText === 'string' ? error.response.bodyAsText : undefined;
    if (status >= 200 && status < 300) {
      const id = idFromBody(bodyText);
      return id === undefined ? { kind: 'success', status } : { kind: 'success', status, id };
    }
    const body = parseConnectorErrorBody(bodyText);
    const outcome: ConnectorOutcome & { kind: 'httpError' } = { kind: 'httpError', status };
    if (body.code !== undefined) outcome.code = body.code;
    if (body.message !== undefined) outcome.message = body.message;
    const retryAfterInMs = parseRetryAfter(error.response?.headers?.get('retry-after'), context.now);
    if (retryAfterInMs !== undefined) outcome.retryAfterInMs = retryAfterInMs;
    return outcome;
  }
  if (context.timedOut) return { kind: 'timeout', timeoutInMs: context.timeoutInMs };
  const message = typeof error.message === 'string' ? error.message : String(thrown);
  if (error.name === 'AbortError') return { kind: 'networkError', code: 'ABORTED', message };
  const code = typeof error.code === 'string' && error.code !== '' ? error.code : 'REQUEST_FAILED';
  return { kind: 'networkError', code, message };
}

/** `{"id": "..."}` of a ResourceResponse / ConversationResourceResponse, when the body has one. */
export function idFromBody(bodyText: string | undefined): string | undefined {
  if (bodyText === undefined || bodyText.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(bodyText) as { id?: unknown };
    return typeof parsed.id === 'string' && parsed.id !== '' ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}
