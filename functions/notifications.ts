import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { type GatewayServices, getGatewayServices } from '../shared/gatewayServices';
import { readJsonBody } from '../shared/http/boundedRequestBody';
import { errorResponse } from '../shared/http/errorResponse';
import { jsonResponse } from '../shared/http/jsonResponse';
import { checkWriteOrigin } from '../shared/http/writeOrigin';
import { type CopyOperationServices, deleteNotification, updateNotification } from '../shared/notifications/copies/sentCopyOperations';
import { sendSpreadFor } from '../shared/notifications/copies/tenantSendSpread';
import { acceptNotification, type IntakeServices } from '../shared/notifications/intake/notificationIntake';
import { notificationBodyLimit } from '../shared/notifications/request/requestBodyLimit';
import { type ValidationResult } from '../shared/notifications/request/validationIssue';
import { listNotifications } from '../shared/notifications/status/notificationList';
import { parseNotificationListQuery } from '../shared/notifications/status/notificationListQuery';
import { parseNotificationIdParam, parseStatusQuery, readNotificationStatus } from '../shared/notifications/status/notificationStatus';
import { type GatewayFunctionDefinition } from './functionDefinition';

/**
 * `POST /api/notifications` (function key): validate, resolve targets, queue one delivery per conversation,
 * answer 202 with what was queued and what could not be. Tenant broadcasts are expanded after the answer.
 */
export async function postNotificationHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const services = await getGatewayServices();
    const foreignOrigin = checkWriteOrigin(request, services.config.publicBaseUrl);
    if (foreignOrigin !== undefined) throw foreignOrigin;
    const result = await acceptNotification(await readJsonBody(request, notificationBodyLimit), intakeServices(services));
    if (result.ok) {
      context.log(`notifications: accepted ${result.value.id}: ${result.value.deliveries} deliveries, ${result.value.unresolved.length} unresolved, ${result.value.fanOut?.length ?? 0} fan-outs`);
      return jsonResponse(202, result.value, { location: result.value.statusUrl });
    }
    return refused(context, 'POST', result);
  } catch (error) {
    return failed(context, 'POST', error);
  }
}

/** `GET /api/notifications` (function key): notifications newest first, filtered by time, status and tag, one page per call. */
export async function listNotificationsHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const query = parseNotificationListQuery(request.query);
    if (!query.ok) return refused(context, 'GET', query);
    const services = await getGatewayServices();
    return jsonResponse(200, await listNotifications(query.value, { notifications: services.notificationStore, publicBaseUrl: services.config.publicBaseUrl }));
  } catch (error) {
    return failed(context, 'GET', error);
  }
}

/** `GET | POST /api/notifications`: one route, so the host answers both methods at one path. */
export async function notificationsHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return request.method.toUpperCase() === 'GET' ? listNotificationsHandler(request, context) : postNotificationHandler(request, context);
}

/** `GET | PATCH | DELETE /api/notifications/{id}` (function key): status, update every copy, delete every copy. */
export async function notificationByIdHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const method = request.method.toUpperCase();
  try {
    const id = parseNotificationIdParam(request.params.id);
    if (!id.ok) return refused(context, method, id);
    const services = await getGatewayServices();
    const foreignOrigin = checkWriteOrigin(request, services.config.publicBaseUrl);
    if (foreignOrigin !== undefined) throw foreignOrigin;
    switch (method) {
      case 'PATCH': {
        const result = await updateNotification(id.value, await readJsonBody(request, notificationBodyLimit), copyOperationServices(services));
        return result.ok ? jsonResponse(202, result.value) : refused(context, method, result);
      }
      case 'DELETE': {
        const result = await deleteNotification(id.value, copyOperationServices(services));
        return result.ok ? jsonResponse(202, result.value) : refused(context, method, result);
      }
      default: {
        const query = parseStatusQuery(request.query);
        if (!query.ok) return refused(context, method, query);
        const result = await readNotificationStatus(id.value, query.value, services.notificationStore, services.callbackEvents);
        return result.ok ? jsonResponse(200, result.value) : refused(context, method, result);
      }
    }
  } catch (error) {
    return failed(context, method, error);
  }
}

function intakeServices(services: GatewayServices): IntakeServices {
  const intake: IntakeServices = {
    conversations: services.conversationStore,
    notifications: services.notificationStore,
    queue: services.deliveryQueue,
    now: services.now,
    spread: sendSpreadFor(services.config.delivery),
  };
  if (services.config.publicBaseUrl !== undefined) intake.publicBaseUrl = services.config.publicBaseUrl;
  if (services.config.callbacks !== undefined) intake.policy = { callbacks: services.config.callbacks };
  return intake;
}

function copyOperationServices(services: GatewayServices): CopyOperationServices {
  const operations: CopyOperationServices = { notifications: services.notificationStore, queue: services.deliveryQueue, now: services.now };
  if (services.config.publicBaseUrl !== undefined) operations.publicBaseUrl = services.config.publicBaseUrl;
  return operations;
}

function refused(context: InvocationContext, method: string, result: Extract<ValidationResult<unknown>, { ok: false }>): HttpResponseInit {
  context.warn(`notifications: ${method} refused (${result.error.code}): ${result.error.message}`);
  return errorResponse(result.error);
}

function failed(context: InvocationContext, method: string, error: unknown): HttpResponseInit {
  const response = errorResponse(error);
  if ((response.status ?? 500) >= 500) context.error(`notifications: ${method} failed`, error);
  else context.warn(`notifications: ${method} refused`, error);
  return response;
}

export const postNotificationFunction: GatewayFunctionDefinition = {
  kind: 'http',
  name: 'notifications',
  options: { methods: ['GET', 'POST'], authLevel: 'function', route: 'notifications', handler: notificationsHandler },
};

export const notificationByIdFunction: GatewayFunctionDefinition = {
  kind: 'http',
  name: 'notificationById',
  options: { methods: ['GET', 'PATCH', 'DELETE'], authLevel: 'function', route: 'notifications/{id}', handler: notificationByIdHandler },
};
