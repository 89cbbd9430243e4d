import { randomUUID } from 'node:crypto';

import { type TeamEventType } from './inboundActivities';
import { type EmulatedConversation, type EmulatedTeam, type TeamsState, type TeamsUser } from './teamsState';

export interface TeamPlace {
  tenantId: string;
  serviceUrl: string;
  locale: string;
  /** Who acts (installs, creates the team); becomes a member. */
  user: TeamsUser;
  nowIso: string;
}

/**
 * A team and its General channel (conversation id = team id), created on first mention. A team never exists
 * without General, so a bot installed from any channel can always post there, as in Teams.
 */
export function ensureTeam(state: TeamsState, teamId: string, place: TeamPlace, details: { name?: string; aadGroupId?: string } = {}): EmulatedTeam {
  let team = state.teams.get(teamId);
  if (team === undefined) {
    team = {
      id: teamId,
      name: details.name ?? `Team ${teamId.slice(3, 11)}`,
      aadGroupId: details.aadGroupId ?? randomUUID(),
      tenantId: place.tenantId,
      installed: false,
      archived: false,
      deleted: false,
      members: [],
    };
    state.teams.set(teamId, team);
  } else {
    if (details.name !== undefined) team.name = details.name;
    if (details.aadGroupId !== undefined) team.aadGroupId = details.aadGroupId;
  }
  addMember(team, place.user);
  ensureChannel(state, team, teamId, place);
  return team;
}

/** A channel of the team (restored if it was deleted only when `restore` says so). */
export function ensureChannel(state: TeamsState, team: EmulatedTeam, channelId: string, place: TeamPlace, name?: string): EmulatedConversation {
  const existing = state.conversations.get(channelId);
  if (existing !== undefined) {
    if (name !== undefined) existing.name = name;
    return existing;
  }
  const channel: EmulatedConversation = {
    id: channelId,
    type: 'channel',
    tenantId: team.tenantId,
    serviceUrl: place.serviceUrl,
    locale: place.locale,
    user: place.user,
    members: team.members,
    team,
    channelId,
    installed: team.installed,
    blocked: false,
    deleted: false,
    createdAt: place.nowIso,
    changedAt: place.nowIso,
  };
  // Teams gives General no name of its own in activities.
  if (channelId !== team.id) channel.name = name ?? `Channel ${channelId.slice(3, 11)}`;
  state.add(channel);
  return channel;
}

export function addMember(team: EmulatedTeam, user: TeamsUser): void {
  if (!team.members.some((m) => m.id === user.id)) team.members.push(user);
}

export function removeMember(team: EmulatedTeam, userId: string): TeamsUser | undefined {
  const at = team.members.findIndex((m) => m.id === userId || m.aadObjectId.toLowerCase() === userId.toLowerCase());
  if (at === -1) return undefined;
  return team.members.splice(at, 1)[0];
}

/** The General channel of a team (always present once the team exists). */
export function generalOf(state: TeamsState, team: EmulatedTeam): EmulatedConversation {
  const general = state.conversations.get(team.id);
  if (general === undefined) throw new Error(`team ${team.id} has no General channel`);
  return general;
}

/**
 * What a team event changes on the Teams side, whether the control API plays it or a replayed activity reports
 * it (teamRenamed carries the new name, which its caller sets).
 */
export const teamEventEffects: Readonly<Record<Exclude<TeamEventType, 'teamRenamed'>, (team: EmulatedTeam) => void>> = {
  teamArchived: (team) => (team.archived = true),
  teamUnarchived: (team) => (team.archived = false),
  teamDeleted: (team) => (team.deleted = true),
  teamHardDeleted: (team) => (team.deleted = true),
  teamRestored: (team) => (team.deleted = false),
};
