import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { receiveActivity } from '../shared/activity/receiveActivity';
import { errorCodes, GatewayError } from '../shared/errors';
import { getGatewayServices } from '../shared/gatewayServices';
import { errorResponse } from '../shared/http/errorResponse';
import { type GatewayFunctionDefinition } from './functionDefinition';

/**
 * `POST /api/messages`: the Bot Framework channel's activities. Anonymous at the host; the channel's JWT is
 * checked in code. Validates, stores, answers: Bot Framework allows 15 seconds and nothing slow runs here.
 * 401 bad token, 400 not an activity, 403 untrusted serviceUrl (nothing stored in each case), 200 stored.
 */
export async function messagesHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const services = await getGatewayServices();
    const received = await receiveActivity(
      {
        authenticator: services.inboundAuthenticator,
        store: services.conversationStore,
        trustedServiceUrlHosts: services.config.trustedServiceUrlHosts,
        now: services.now,
      },
      { authorization: request.headers.get('authorization'), bodyText: await request.text() },
    );
    const { conversation, lifecycle } = received;
    context.log(
      `messages: ${received.activityType} in ${conversation.scope} ${conversation.conversationId} (tenant ${conversation.tenantId}) -> ${conversation.status}` +
        (lifecycle === undefined ? '' : `; ${lifecycle.reason} ${received.verdict ?? ''}, ${received.alsoChanged} more changed`),
    );
    return { status: 200 };
  } catch (error) {
    const refused = error instanceof GatewayError && [errorCodes.Unauthorized, errorCodes.BadRequest, errorCodes.UntrustedServiceUrl].some((code) => code === error.code);
    // Refusals are the caller's problem and expected on an anonymous endpoint; never log the token.
    if (refused) context.warn(`messages: refused (${error.code}): ${error.message}`);
    else context.error('messages: failed', error);
    return errorResponse(error);
  }
}

export const messagesFunction: GatewayFunctionDefinition = {
  kind: 'http',
  name: 'messages',
  options: { methods: ['POST'], authLevel: 'anonymous', route: 'messages', handler: messagesHandler },
};
