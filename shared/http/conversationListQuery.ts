import { z } from 'zod';

import { conversationStatuses } from '../activity/conversationLifecycle';
import { errorCodes, GatewayError } from '../errors';
import { entraId } from '../notifications/request/notificationTarget';
import { type ConversationFilter, type PageOptions } from '../store/conversationStore';
import { maxTeamsIdBytes, storableIdSchema } from '../store/tableStorageLimits';
import { zodIssuesToDetails } from './zodErrorDetails';

/**
 * Query of `GET /api/conversations`; other parameters (such as the function key's `code`) are ignored. Tenant
 * and user ids are checked as POST /api/notifications checks them, so a typo is a 400, not an empty page.
 */
const listQuerySchema = z.object({
  tenantId: entraId('tenantId').optional(),
  userId: entraId('userId').optional(),
  teamId: storableIdSchema(maxTeamsIdBytes).optional(),
  status: z.enum(conversationStatuses).optional(),
  continuationToken: z.string().min(1).optional(),
  pageSize: z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .optional(),
});

export function parseConversationListQuery(query: URLSearchParams): { filter: ConversationFilter; page: PageOptions } {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(listQuerySchema.shape)) {
    const value = query.get(key);
    if (value !== null) raw[key] = value;
  }
  const parsed = listQuerySchema.safeParse(raw);
  if (!parsed.success) throw new GatewayError(errorCodes.BadRequest, 'The query is not valid.', zodIssuesToDetails(parsed.error));
  const { continuationToken, pageSize, ...filter } = parsed.data;
  const page: PageOptions = {};
  if (continuationToken !== undefined) page.continuationToken = continuationToken;
  if (pageSize !== undefined) page.pageSize = pageSize;
  return { filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)), page };
}
