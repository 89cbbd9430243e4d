import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { activityBodyLimit } from '../shared/activity/activityBodyLimit';
import { receiveActivity } from '../shared/activity/receiveActivity';
import { GatewayError } from '../shared/errors';
import { getGatewayServices } from '../shared/gatewayServices';
import { readJsonBody } from '../shared/http/boundedRequestBody';
import { errorResponse } from '../shared/http/errorResponse';
import { checkWriteOrigin } from '../shared/http/writeOrigin';
import { type GatewayFunctionDefinition } from './functionDefinition';

/**
 * `POST /api/messages`: the Bot Framework channel's activities. Anonymous at the host; the channel's JWT is
 * checked in code, before the body is read. Validates, stores, answers: Bot Framework allows 15 seconds and
 * nothing slow runs here. 401 bad token, 413/415 body too large or not JSON, 400 not a Teams activity or one
 * Table Storage cannot hold (a 4xx: the activity is wrong, not the gateway busy, so not worth a retry), 403
 * untrusted serviceUrl or a browser page of another origin (nothing stored in each case), 200 stored.
 */
export async function messagesHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const services = await getGatewayServices();
    const foreignOrigin = checkWriteOrigin(request, services.config.publicBaseUrl);
    if (foreignOrigin !== undefined) throw foreignOrigin;
    const received = await receiveActivity(
      {
        authenticator: services.inboundAuthenticator,
        store: services.conversationStore,
        trustedServiceUrlHosts: services.config.trustedServiceUrlHosts,
        now: services.now,
      },
      {
        authorization: request.headers.get('authorization'),
        readBody: async () => readJsonBody(request, activityBodyLimit),
      },
    );
    const { conversation, lifecycle } = received;
    context.log(
      `messages: ${received.activityType} in ${conversation.scope} ${conversation.conversationId} (tenant ${conversation.tenantId}) -> ${conversation.status}` +
        (lifecycle === undefined ? '' : `; ${lifecycle.reason} ${received.verdict ?? ''}, ${received.alsoChanged} more changed`),
    );
    return { status: 200 };
  } catch (error) {
    const response = errorResponse(error);
    // Refusals are the caller's problem and expected on an anonymous endpoint; never log the token. A Teams
    // activity that storage cannot hold is logged with its details: nothing else will show it.
    if (error instanceof GatewayError && (response.status ?? 500) < 500) {
      context.warn(`messages: refused (${error.code}): ${error.message}${error.details.length === 0 ? '' : ` ${JSON.stringify(error.details)}`}`);
    } else context.error('messages: failed', error);
    return response;
  }
}

export const messagesFunction: GatewayFunctionDefinition = {
  kind: 'http',
  name: 'messages',
  options: { methods: ['POST'], authLevel: 'anonymous', route: 'messages', handler: messagesHandler },
};
