import { type RecordedMention } from './recordedMentions';
import { teamsIds } from './teamsIds';

export type ConversationType = 'personal' | 'groupChat' | 'channel';
/** What a send meets, in precedence order: deleted, then uninstalled, then archived, then blocked. */
export type ConversationStatus = 'active' | 'uninstalled' | 'archived' | 'blocked' | 'deleted';
export type TenantCloud = 'public' | 'gcc';

export interface TeamsUser {
  id: string;
  aadObjectId: string;
  name: string;
}

/**
 * A team: the bot is installed in a team (not in one channel), so install, archive and delete are team-wide;
 * every channel is its own conversation, General's id being the team id.
 */
export interface EmulatedTeam {
  id: string;
  name: string;
  aadGroupId: string;
  tenantId: string;
  installed: boolean;
  archived: boolean;
  deleted: boolean;
  members: TeamsUser[];
}

export interface EmulatedConversation {
  id: string;
  type: ConversationType;
  tenantId: string;
  serviceUrl: string;
  locale: string;
  /** Channel name, or a group chat's topic (Teams' `conversation.name`); General has none. */
  name?: string;
  /** The user who installed the bot here (the personal chat's only user). */
  user: TeamsUser;
  /** A channel's members are its team's (the same array). */
  members: TeamsUser[];
  team?: EmulatedTeam;
  channelId?: string;
  /** For a channel, the team's `installed` decides (isInstalled). */
  installed: boolean;
  blocked: boolean;
  deleted: boolean;
  createdAt: string;
  changedAt: string;
}

export interface TenantState {
  id: string;
  cloud: TenantCloud;
  disabled: boolean;
  /** New conversations get `<region>/<tenantId>/` as serviceUrl, as current Teams payloads carry. */
  serviceUrlWithTenant: boolean;
}

/** One message the bot posted, as the conversation shows it now. */
export interface PostedActivity {
  id: string;
  /** The payload as last received (the update's, after a PUT). */
  activity: Record<string, unknown>;
  /** The payload's mention entities and whether Teams would render each (recordedMentions). */
  mentions: RecordedMention[];
  /** How many times this exact payload arrived; more than 1 is a duplicate send. */
  receivedCount: number;
  updateCount: number;
  deleted: boolean;
  createdAt: string;
  updatedAt?: string;
  deletedAt?: string;
}

/** A message a user wrote to the bot (through the control API), kept so a chat view can show both sides. */
export interface UserMessage {
  id: string;
  text: string;
  from: unknown;
  createdAt: string;
}

/** The messages of one conversation id (a channel's thread `...;messageid=N` has its own). */
export class ActivityLog {
  readonly activities: PostedActivity[] = [];
  /** Apart from `activities`, which count what the bot posted (duplicates, arrivals). */
  readonly userMessages: UserMessage[] = [];
  private readonly byId = new Map<string, PostedActivity>();
  private readonly byContent = new Map<string, PostedActivity>();

  /**
   * Records a post. An identical payload (ignoring id and timestamps) is the same message arriving again: it
   * keeps its id and counts the extra delivery, so a retried send is visible as `receivedCount > 1`.
   */
  post(activity: Record<string, unknown>, newId: () => string, nowIso: string, mentions: RecordedMention[] = []): { posted: PostedActivity; duplicate: boolean } {
    const key = contentKey(activity);
    const previous = this.byContent.get(key);
    if (previous !== undefined && !previous.deleted) {
      previous.receivedCount += 1;
      return { posted: previous, duplicate: true };
    }
    const id = newId();
    const posted: PostedActivity = { id, activity: { ...activity, id }, mentions, receivedCount: 1, updateCount: 0, deleted: false, createdAt: nowIso };
    this.activities.push(posted);
    this.byId.set(id, posted);
    this.byContent.set(key, posted);
    return { posted, duplicate: false };
  }

  get(id: string): PostedActivity | undefined {
    const posted = this.byId.get(id);
    return posted?.deleted === false ? posted : undefined;
  }

  update(id: string, activity: Record<string, unknown>, nowIso: string, mentions: RecordedMention[] = []): PostedActivity | undefined {
    const posted = this.get(id);
    if (posted === undefined) return undefined;
    posted.activity = { ...activity, id };
    posted.mentions = mentions;
    posted.updateCount += 1;
    posted.updatedAt = nowIso;
    return posted;
  }

  delete(id: string, nowIso: string): boolean {
    const posted = this.get(id);
    if (posted === undefined) return false;
    posted.deleted = true;
    posted.deletedAt = nowIso;
    return true;
  }
}

function contentKey(activity: Record<string, unknown>): string {
  const { id: _id, timestamp: _timestamp, localTimestamp: _localTimestamp, ...content } = activity;
  return JSON.stringify(content);
}

const threadMarker = ';messageid=';

/** Conversations, tenants, users and what the bot posted: the Teams side of the world, in memory. */
export class TeamsState {
  readonly conversations = new Map<string, EmulatedConversation>();
  readonly teams = new Map<string, EmulatedTeam>();
  private readonly tenants = new Map<string, TenantState>();
  private readonly usersByTenantAndAad = new Map<string, TeamsUser>();
  private readonly logs = new Map<string, ActivityLog>();

  /**
   * The conversation an id addresses. A channel thread (`19:...@thread.tacv2;messageid=N`) is addressed in
   * its own right but lives in, and is governed by, its channel.
   */
  resolve(conversationId: string): EmulatedConversation | undefined {
    const exact = this.conversations.get(conversationId);
    if (exact !== undefined) return exact;
    const marker = conversationId.indexOf(threadMarker);
    if (marker === -1) return undefined;
    const channel = this.conversations.get(conversationId.slice(0, marker));
    return channel?.type === 'channel' ? channel : undefined;
  }

  add(conversation: EmulatedConversation): void {
    this.conversations.set(conversation.id, conversation);
  }

  tenant(tenantId: string): TenantState {
    let tenant = this.tenants.get(tenantId);
    if (tenant === undefined) {
      tenant = { id: tenantId, cloud: 'public', disabled: false, serviceUrlWithTenant: false };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  listTenants(): TenantState[] {
    return [...this.tenants.values()];
  }

  /** A user's Teams identity; the same Entra object id in the same tenant is always the same `29:` id. */
  user(tenantId: string, aadObjectId: string | undefined, name: string | undefined): TeamsUser {
    const aad = aadObjectId ?? teamsIds.aadObjectId();
    const key = `${tenantId}|${aad.toLowerCase()}`;
    let user = this.usersByTenantAndAad.get(key);
    if (user === undefined) {
      user = { id: teamsIds.user(), aadObjectId: aad, name: name ?? `User ${aad.slice(0, 8)}` };
      this.usersByTenantAndAad.set(key, user);
    } else if (name !== undefined) {
      user.name = name;
    }
    return user;
  }

  /** A user of the tenant's directory the emulator knows (by Entra object id); never creates one. */
  findUser(tenantId: string, aadObjectId: string): TeamsUser | undefined {
    return this.usersByTenantAndAad.get(`${tenantId}|${aadObjectId.toLowerCase()}`);
  }

  /**
   * Whether a mention's `mentioned.id` names a user of the tenant the emulator knows: a `29:` id or an Entra
   * object id (bare or as `8:orgid:<id>`).
   */
  isKnownUser(tenantId: string, id: string): boolean {
    const wanted = id.toLowerCase().replace(/^8:orgid:/, '');
    if (this.usersByTenantAndAad.has(`${tenantId}|${wanted}`)) return true;
    const prefix = `${tenantId}|`;
    for (const [key, user] of this.usersByTenantAndAad) if (key.startsWith(prefix) && user.id.toLowerCase() === wanted) return true;
    return false;
  }

  /** A user Teams already gave a `29:` id (a replayed activity): that id is kept for the Entra object id. */
  adoptUser(tenantId: string, account: { id: string; aadObjectId?: string; name?: string }): TeamsUser {
    const aad = account.aadObjectId ?? teamsIds.aadObjectId();
    const key = `${tenantId}|${aad.toLowerCase()}`;
    const user = this.usersByTenantAndAad.get(key) ?? { id: account.id, aadObjectId: aad, name: account.name ?? `User ${aad.slice(0, 8)}` };
    user.id = account.id;
    if (account.name !== undefined) user.name = account.name;
    this.usersByTenantAndAad.set(key, user);
    return user;
  }

  /** The channels of a team (General first, as created), deleted ones included. */
  channelsOf(teamId: string): EmulatedConversation[] {
    return [...this.conversations.values()].filter((c) => c.type === 'channel' && c.team?.id === teamId);
  }

  /** Teams of the tenant where the bot is installed and the user (a `29:` id or an Entra object id) is a member. */
  teamsWithMember(tenantId: string, memberId: string): EmulatedTeam[] {
    const wanted = memberId.toLowerCase().replace(/^8:orgid:/, '');
    return [...this.teams.values()].filter(
      (team) =>
        team.tenantId === tenantId &&
        team.installed &&
        !team.deleted &&
        team.members.some((m) => m.id.toLowerCase() === wanted || m.aadObjectId.toLowerCase() === wanted),
    );
  }

  /** The personal chat of the user a Connector `members[0].id` names (a `29:` id, or an Entra object id). */
  findPersonal(tenantId: string, memberId: string): EmulatedConversation | undefined {
    const wanted = memberId.toLowerCase().replace(/^8:orgid:/, '');
    for (const conversation of this.conversations.values()) {
      if (conversation.type !== 'personal' || conversation.tenantId !== tenantId || conversation.deleted) continue;
      if (conversation.user.id.toLowerCase() === wanted || conversation.user.aadObjectId.toLowerCase() === wanted) return conversation;
    }
    return undefined;
  }

  log(conversationId: string): ActivityLog {
    let log = this.logs.get(conversationId);
    if (log === undefined) {
      log = new ActivityLog();
      this.logs.set(conversationId, log);
    }
    return log;
  }

  existingLog(conversationId: string): ActivityLog | undefined {
    return this.logs.get(conversationId);
  }

  reset(): void {
    this.conversations.clear();
    this.teams.clear();
    this.tenants.clear();
    this.usersByTenantAndAad.clear();
    this.logs.clear();
  }
}

export function conversationStatus(conversation: EmulatedConversation): ConversationStatus {
  if (isDeleted(conversation)) return 'deleted';
  if (!isInstalled(conversation)) return 'uninstalled';
  if (conversation.team?.archived === true) return 'archived';
  if (conversation.blocked) return 'blocked';
  return 'active';
}

/** A channel is gone when it or its team is deleted. */
export function isDeleted(conversation: EmulatedConversation): boolean {
  return conversation.deleted || conversation.team?.deleted === true;
}

/** In a team the bot is installed per team. */
export function isInstalled(conversation: EmulatedConversation): boolean {
  return conversation.team === undefined ? conversation.installed : conversation.team.installed;
}
