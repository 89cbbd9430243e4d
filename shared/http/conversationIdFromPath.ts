import { errorCodes, GatewayError } from '../errors';
import { idStorageProblem, maxTeamsIdBytes } from '../store/tableStorageLimits';

/**
 * The conversation id of `/api/conversations/{id}`, read from the raw request URL and percent-decoded once.
 * Route values are not trusted for this: hosts differ in whether they decode `%2F` (ASP.NET keeps it encoded),
 * and Teams ids may contain `/`, `#`, `?` once encoded by the caller.
 */
export function conversationIdFromPath(requestUrl: string, routeValue: string | undefined): string {
  const marker = '/conversations/';
  const pathname = new URL(requestUrl).pathname;
  const at = pathname.indexOf(marker);
  const encoded = at === -1 ? (routeValue ?? '') : pathname.slice(at + marker.length);
  let id: string;
  try {
    id = decodeURIComponent(encoded);
  } catch {
    throw new GatewayError(errorCodes.BadRequest, 'The conversation id is not valid percent-encoding.', [{ path: 'id', message: 'percent-encode the conversation id' }]);
  }
  if (id === '') throw new GatewayError(errorCodes.BadRequest, 'A conversation id is required.', [{ path: 'id', message: 'is required' }]);
  // An id storage could not hold names no stored conversation; say so rather than ask the store.
  const problem = idStorageProblem(id, maxTeamsIdBytes);
  if (problem !== undefined) throw new GatewayError(errorCodes.BadRequest, 'The conversation id cannot name a stored conversation.', [{ path: 'id', message: problem }]);
  return id;
}
