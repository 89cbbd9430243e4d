import { z } from 'zod';

import { errorCodes, GatewayError } from '../errors';
import { zodIssuesToDetails } from '../http/zodErrorDetails';
import { parseJsonBody } from '../notifications/request/jsonBody';
import { maxEntraIdBytes, maxTeamsIdBytes, storableIdSchema } from '../store/tableStorageLimits';

/**
 * The inbound Bot Framework activity as Teams sends it to `/api/messages`: only the fields the gateway reads
 * are typed; every object passes through unknown properties so a stored reference keeps what Teams sent.
 * Shapes from Teams' "send and receive messages" and "conversation events" pages on Microsoft Learn.
 */

/** The only channel the gateway serves; activities of other channels (webchat, directline, ...) are refused. */
export const teamsChannelId = 'msteams';

export const channelAccountSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    aadObjectId: storableIdSchema(maxEntraIdBytes).optional(),
    role: z.string().optional(),
  })
  .passthrough();
export type ChannelAccount = z.infer<typeof channelAccountSchema>;

export const conversationAccountSchema = z
  .object({
    id: storableIdSchema(maxTeamsIdBytes),
    name: z.string().optional(),
    conversationType: z.string().optional(),
    tenantId: storableIdSchema(maxEntraIdBytes).optional(),
    isGroup: z.boolean().optional(),
  })
  .passthrough();
export type ConversationAccount = z.infer<typeof conversationAccountSchema>;

const teamsIdObject = z.object({ id: storableIdSchema(maxTeamsIdBytes), name: z.string().optional() }).passthrough();

/** Teams' channelData: the definitive source of tenant, team and channel ids, and of conversation event types. */
export const teamsChannelDataSchema = z
  .object({
    tenant: z.object({ id: storableIdSchema(maxEntraIdBytes) }).passthrough().optional(),
    team: teamsIdObject.extend({ aadGroupId: z.string().optional() }).optional(),
    channel: teamsIdObject.optional(),
    eventType: z.string().optional(),
  })
  .passthrough();
export type TeamsChannelData = z.infer<typeof teamsChannelDataSchema>;

export const inboundActivitySchema = z
  .object({
    type: z.string().min(1),
    id: z.string().optional(),
    /** UTC time Teams stamped the activity with; orders lifecycle events that arrive out of order. */
    timestamp: z.string().optional(),
    serviceUrl: z.string().url(),
    channelId: z.string().refine((channelId) => channelId === teamsChannelId, `only Microsoft Teams activities (channelId "${teamsChannelId}") are accepted`),
    from: channelAccountSchema.optional(),
    recipient: channelAccountSchema,
    conversation: conversationAccountSchema,
    channelData: teamsChannelDataSchema.optional(),
    locale: z.string().optional(),
    /** installationUpdate: add | remove | add-upgrade | remove-upgrade. */
    action: z.string().optional(),
    membersAdded: z.array(channelAccountSchema).optional(),
    membersRemoved: z.array(channelAccountSchema).optional(),
  })
  .passthrough()
  .superRefine((activity, ctx) => {
    if (activity.conversation.tenantId === undefined && activity.channelData?.tenant?.id === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['channelData', 'tenant', 'id'], message: 'a tenant id is required (conversation.tenantId or channelData.tenant.id)' });
    }
  });
export type InboundActivity = z.infer<typeof inboundActivitySchema>;

/** Parses a request body at the edge; anything that is not a Teams activity is a coded 400. */
export function parseInboundActivity(bodyText: string): InboundActivity {
  // The same JSON bounds as every other body: parse errors with their position, nesting at most 64 levels
  // (the reference is cloned and serialised, which must never meet an unbounded depth).
  const json = parseJsonBody(bodyText, 'activity');
  if (!json.ok) throw json.error;
  const parsed = inboundActivitySchema.safeParse(json.value);
  if (!parsed.success) {
    throw new GatewayError(errorCodes.BadRequest, 'The body is not a Bot Framework activity.', zodIssuesToDetails(parsed.error));
  }
  return parsed.data;
}

/** Teams puts the tenant in conversation.tenantId and channelData.tenant.id; either is authoritative. */
export function activityTenantId(activity: InboundActivity): string {
  return activity.conversation.tenantId ?? activity.channelData?.tenant?.id ?? '';
}
