import { getConversationFunction, listConversationsFunction } from './conversations';
import { deadLetterFunction } from './deadLetter';
import { type GatewayFunctionDefinition } from './functionDefinition';
import { healthFunction } from './health';
import { messagesFunction } from './messages';
import { notificationByIdFunction, postNotificationFunction } from './notifications';
import { openApiFunction } from './openApi';
import { reconcileFunction } from './reconcile';
import { sendFunction } from './send';

/** The one list of function definitions. Add a function by adding its definition here. */
export const gatewayFunctions: readonly GatewayFunctionDefinition[] = [messagesFunction, getConversationFunction, listConversationsFunction, healthFunction, postNotificationFunction, notificationByIdFunction, sendFunction, deadLetterFunction, openApiFunction, reconcileFunction];
