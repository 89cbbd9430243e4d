import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { errorCodes, GatewayError } from '../shared/errors';
import { getGatewayServices } from '../shared/gatewayServices';
import { conversationIdFromPath } from '../shared/http/conversationIdFromPath';
import { parseConversationListQuery } from '../shared/http/conversationListQuery';
import { conversationView } from '../shared/http/conversationView';
import { errorResponse } from '../shared/http/errorResponse';
import { jsonResponse } from '../shared/http/jsonResponse';
import { type GatewayFunctionDefinition } from './functionDefinition';

/** `GET /api/conversations/{id}` (id percent-encoded): one stored conversation, 404 when unknown. */
export async function getConversationHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const conversationId = conversationIdFromPath(request.url, request.params.id);
    const { conversationStore } = await getGatewayServices();
    const conversation = await conversationStore.get(conversationId);
    if (conversation === undefined) {
      throw new GatewayError(errorCodes.NotFound, 'No conversation is stored with this id.', [{ path: 'id', message: `unknown conversation "${conversationId}"` }]);
    }
    return jsonResponse(200, conversationView(conversation), { etag: conversation.etag });
  } catch (error) {
    return failed(context, 'getConversation', error);
  }
}

/** `GET /api/conversations?tenantId=&userId=&teamId=&status=&pageSize=&continuationToken=`: one page. */
export async function listConversationsHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const { filter, page } = parseConversationListQuery(request.query);
    const { conversationStore } = await getGatewayServices();
    const result = await conversationStore.list(filter, page);
    return jsonResponse(200, { items: result.items.map(conversationView), ...(result.continuationToken === undefined ? {} : { continuationToken: result.continuationToken }) });
  } catch (error) {
    return failed(context, 'listConversations', error);
  }
}

function failed(context: InvocationContext, name: string, error: unknown): HttpResponseInit {
  const response = errorResponse(error);
  if ((response.status ?? 500) >= 500) context.error(`${name}: failed`, error);
  return response;
}

export const getConversationFunction: GatewayFunctionDefinition = {
  kind: 'http',
  name: 'getConversation',
  options: { methods: ['GET'], authLevel: 'function', route: 'conversations/{id}', handler: getConversationHandler },
};

export const listConversationsFunction: GatewayFunctionDefinition = {
  kind: 'http',
  name: 'listConversations',
  options: { methods: ['GET'], authLevel: 'function', route: 'conversations', handler: listConversationsHandler },
};
