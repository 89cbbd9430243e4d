import { addMember, ensureChannel, ensureTeam, removeMember, teamEventEffects, type TeamPlace } from './emulatedTeams';
import { type InboundActivity } from './inboundActivities';
import { type EmulatedConversation, type TeamsState, type TeamsUser } from './teamsState';

export interface Account {
  id?: unknown;
  name?: unknown;
  aadObjectId?: unknown;
}

/** What the Teams side now holds because of a replayed activity. */
export interface Registered {
  conversationId: string;
  type: EmulatedConversation['type'];
  tenantId: string;
  teamId?: string;
  channelId?: string;
}

const threadMarker = ';messageid=';

/**
 * Makes the Teams side match an activity: the conversation it arrived in (a channel thread's channel), its
 * tenant and user, for a channel the team with General, and the change the activity reports (install or
 * removal of the bot, users joining or leaving, a channel created/deleted/restored/renamed, a team
 * renamed/archived/deleted/restored). Event names are compared case-insensitively (Microsoft's own sample
 * spells `teamrestored`).
 */
export function registerActivity(state: TeamsState, activity: InboundActivity, defaultTenantId: string, nowIso: string): Registered {
  const conversation = activity.conversation as { id: string; conversationType?: unknown; tenantId?: unknown; isGroup?: unknown; name?: unknown };
  const channelData = (activity.channelData ?? {}) as {
    tenant?: { id?: unknown };
    team?: { id?: unknown; name?: unknown; aadGroupId?: unknown };
    channel?: { id?: unknown; name?: unknown };
    eventType?: unknown;
  };
  const tenantId = text(conversation.tenantId) ?? text(channelData.tenant?.id) ?? defaultTenantId;
  const teamId = text(channelData.team?.id);
  const declared = text(conversation.conversationType);
  const type: EmulatedConversation['type'] =
    declared === 'personal' || declared === 'groupChat' || declared === 'channel' ? declared : teamId !== undefined ? 'channel' : conversation.isGroup === true ? 'groupChat' : 'personal';
  const botId = text((activity.recipient as Account | undefined)?.id);
  const from = activity.from as Account | undefined;
  const fromId = text(from?.id);
  // No user in `from`: whoever the Teams side already knows there, so a team does not collect phantom members.
  const known = (teamId === undefined ? undefined : state.teams.get(teamId)?.members[0]) ?? state.conversations.get(conversation.id)?.user;
  const user = fromId !== undefined && fromId !== botId ? state.adoptUser(tenantId, accountOf(from, fromId)) : (known ?? state.user(tenantId, undefined, undefined));
  const place: TeamPlace = { tenantId, serviceUrl: String(activity.serviceUrl), locale: text(activity.locale) ?? 'en-US', user, nowIso };
  const installChange = installChangeOf(activity, botId);
  const eventType = text(channelData.eventType)?.toLowerCase();
  const users = (list: unknown): TeamsUser[] =>
    (Array.isArray(list) ? (list as Account[]) : []).flatMap((member) => {
      const id = text(member.id);
      return id === undefined || id === botId ? [] : [state.adoptUser(tenantId, accountOf(member, id))];
    });

  if (type !== 'channel' || teamId === undefined) {
    const id = conversation.id;
    let chat = state.conversations.get(id);
    if (chat === undefined) {
      chat = { id, type, tenantId, serviceUrl: place.serviceUrl, locale: place.locale, user, members: [user], installed: true, blocked: false, deleted: false, createdAt: nowIso, changedAt: nowIso };
      state.add(chat);
    }
    const name = text(conversation.name);
    if (name !== undefined) chat.name = name;
    // Teams only sends to a bot that is installed: anything but a removal says it is.
    Object.assign(chat, { installed: installChange ?? true, changedAt: nowIso }, installChange === false ? {} : { deleted: false });
    for (const added of users(activity.membersAdded)) if (!chat.members.some((m) => m.id === added.id)) chat.members.push(added);
    return { conversationId: id, type, tenantId };
  }

  // The team's name is taken when the team is first seen, and from teamRenamed (other events may omit it).
  const teamName = !state.teams.has(teamId) || eventType === 'teamrenamed' ? text(channelData.team?.name) : undefined;
  const aadGroupId = text(channelData.team?.aadGroupId);
  const team = ensureTeam(state, teamId, place, { ...(teamName === undefined ? {} : { name: teamName }), ...(aadGroupId === undefined ? {} : { aadGroupId }) });
  const channelId = conversation.id.includes(threadMarker) ? conversation.id.slice(0, conversation.id.indexOf(threadMarker)) : conversation.id;
  ensureChannel(state, team, channelId, place, text(conversation.name));
  // Teams only sends to a bot that is installed: anything but a removal says it is.
  team.installed = installChange ?? true;
  for (const added of users(activity.membersAdded)) addMember(team, added);
  for (const removed of users(activity.membersRemoved)) removeMember(team, removed.id);

  const subjectId = text(channelData.channel?.id);
  const subject = subjectId === undefined ? undefined : ensureChannel(state, team, subjectId, place, text(channelData.channel?.name));
  switch (eventType) {
    case 'channeldeleted':
      if (subject !== undefined && subject.id !== team.id) subject.deleted = true;
      break;
    case 'channelrestored':
    case 'channelcreated':
      if (subject !== undefined) subject.deleted = false;
      break;
    default:
      // A team event changes the team as the control API's own team actions do.
      Object.entries(teamEventEffects).find(([name]) => name.toLowerCase() === eventType)?.[1](team);
      break;
  }
  return { conversationId: conversation.id, type, tenantId, teamId, channelId };
}

/** true: the bot was added (installationUpdate add*, or the bot in membersAdded); false: removed; undefined: neither. */
function installChangeOf(activity: InboundActivity, botId: string | undefined): boolean | undefined {
  if (activity.type === 'installationUpdate') {
    const action = text(activity.action)?.toLowerCase();
    if (action?.startsWith('add') === true) return true;
    if (action?.startsWith('remove') === true) return false;
    return undefined;
  }
  const names = (list: unknown): string[] => (Array.isArray(list) ? (list as Account[]).map((m) => text(m.id) ?? '') : []);
  if (botId !== undefined && names(activity.membersRemoved).includes(botId)) return false;
  if (botId !== undefined && names(activity.membersAdded).includes(botId)) return true;
  return undefined;
}

function accountOf(account: Account | undefined, id: string): { id: string; aadObjectId?: string; name?: string } {
  const aadObjectId = text(account?.aadObjectId);
  const name = text(account?.name);
  return { id, ...(aadObjectId === undefined ? {} : { aadObjectId }), ...(name === undefined ? {} : { name }) };
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
