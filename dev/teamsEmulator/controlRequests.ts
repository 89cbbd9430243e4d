import { z } from 'zod';

/** Bodies the control API accepts, parsed at the edge; unknown fields are refused so typos do not pass silently. */

const userSchema = z
  .object({
    aadObjectId: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
  })
  .strict();

export const createConversationSchema = z
  .object({
    type: z.enum(['personal', 'groupChat', 'channel']),
    tenantId: z.string().min(1).optional(),
    /** The user who installs the bot (and who is in a personal chat). */
    user: userSchema.optional(),
    /** More users in a group chat or team. */
    members: z.array(userSchema).optional(),
    teamId: z.string().min(1).optional(),
    teamName: z.string().min(1).optional(),
    /** In a team: the channel the app is installed from (created if new); General (= teamId) by default. */
    channelId: z.string().min(1).optional(),
    /** The selected channel's name, or a group chat's topic. */
    channelName: z.string().min(1).optional(),
    /** A chosen id (tests use ids with `/`, `#`, `?`); Teams' own forms otherwise. */
    conversationId: z.string().min(1).optional(),
    locale: z.string().min(2).optional(),
  })
  .strict();
export type CreateConversationRequest = z.infer<typeof createConversationSchema>;

export const userMessageSchema = z.object({ text: z.string() }).strict();

export const tenantUpdateSchema = z
  .object({
    cloud: z.enum(['public', 'gcc']).optional(),
    disabled: z.boolean().optional(),
    serviceUrlWithTenant: z.boolean().optional(),
  })
  .strict();

export const gatewayUrlSchema = z.object({ url: z.string().url() }).strict();

/** `POST .../install` and `.../uninstall`: Teams' upgrade variants on demand. */
export const installActionSchema = z.object({ action: z.enum(['add', 'add-upgrade', 'remove', 'remove-upgrade']).optional() }).strict();

export const channelCreateSchema = z.object({ channelId: z.string().min(1).optional(), name: z.string().min(1).optional(), by: userSchema.optional() }).strict();
export const renameSchema = z.object({ name: z.string().min(1), by: userSchema.optional() }).strict();
/** Who acts on a team event (a member; a new one is made when absent). */
export const actorSchema = z.object({ by: userSchema.optional() }).strict();
export const teamMembersSchema = z.object({ users: z.array(userSchema).min(1), by: userSchema.optional() }).strict();
