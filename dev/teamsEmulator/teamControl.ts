import { type ControlApiOptions } from './controlApi';
import { withBody } from './controlBodies';
import { actorSchema, channelCreateSchema, renameSchema, teamMembersSchema } from './controlRequests';
import { addMember, ensureChannel, generalOf, removeMember, teamEventEffects } from './emulatedTeams';
import { type EmulatorRouter,type RouteParams } from './emulatorRouter';
import { type GatewayDeliveryResult } from './gatewayDelivery';
import { controlError, type IncomingExchange, jsonReply, type Reply } from './httpExchange';
import { type ChannelEventType, inboundActivities, type InboundActivity } from './inboundActivities';
import { teamsIds } from './teamsIds';
import { type EmulatedConversation, type EmulatedTeam, isDeleted, type TeamsUser } from './teamsState';

type Actor = { aadObjectId?: string | undefined; name?: string | undefined } | undefined;

/** The event each team action plays (its change on the Teams side: teamEventEffects). */
const teamActions: Readonly<Record<string, keyof typeof teamEventEffects>> = {
  archive: 'teamArchived',
  unarchive: 'teamUnarchived',
  delete: 'teamDeleted',
  hardDelete: 'teamHardDeleted',
  restore: 'teamRestored',
};

/**
 * `/_control/teams`: a team's life as Teams lives it: channels created, renamed, deleted and restored; the
 * team renamed, archived, deleted and restored; users joining and leaving. Each change is delivered to the
 * gateway as the documented conversationUpdate (in General), but only while the bot is installed in the team,
 * as Teams only tells installed bots.
 */
export class TeamControl {
  constructor(private readonly options: ControlApiOptions) {}

  register(router: EmulatorRouter): void {
    router
      .add('GET', '/_control/teams', () => jsonReply(200, { teams: [...this.options.state.teams.values()].map((t) => this.view(t)) }))
      .add('GET', '/_control/teams/{teamId}', (_e, p) => this.withTeam(p, (team) => jsonReply(200, this.view(team))))
      .add('PATCH', '/_control/teams/{teamId}', (e, p) => this.withTeam(p, (team) => this.renameTeam(e, team)))
      .add('POST', '/_control/teams/{teamId}/channels', (e, p) => this.withTeam(p, (team) => this.createChannel(e, team)))
      .add('PATCH', '/_control/teams/{teamId}/channels/{channelId}', (e, p) => this.withChannel(p, (team, channel) => this.renameChannel(e, team, channel)))
      .add('DELETE', '/_control/teams/{teamId}/channels/{channelId}', (e, p) => this.withChannel(p, (team, channel) => this.setChannelDeleted(e, team, channel, true)))
      .add('POST', '/_control/teams/{teamId}/channels/{channelId}/restore', (e, p) => this.withChannel(p, (team, channel) => this.setChannelDeleted(e, team, channel, false)))
      .add('POST', '/_control/teams/{teamId}/members', (e, p) => this.withTeam(p, (team) => this.addMembers(e, team)))
      .add('DELETE', '/_control/teams/{teamId}/members/{userId}', (e, p) => this.withTeam(p, (team) => this.removeMember(e, team, p.userId ?? '')));
    for (const [action, eventType] of Object.entries(teamActions)) {
      router.add('POST', `/_control/teams/{teamId}/${action}`, (e, p) =>
        this.withTeam(p, (team) =>
          withBody(e, actorSchema, async (body) => {
            teamEventEffects[eventType](team);
            const event = inboundActivities.teamEvent(generalOf(this.options.state, team), team, this.options.bot, eventType, this.actor(team, body.by), teamsIds.eventActivity(), this.now());
            return this.answer(team, await this.deliver(team, event));
          }),
        ),
      );
    }
  }

  private renameTeam(exchange: IncomingExchange, team: EmulatedTeam): Reply | Promise<Reply> {
    return withBody(exchange, renameSchema, async (body) => {
      team.name = body.name;
      const event = inboundActivities.teamEvent(generalOf(this.options.state, team), team, this.options.bot, 'teamRenamed', this.actor(team, body.by), teamsIds.eventActivity(), this.now());
      return this.answer(team, await this.deliver(team, event));
    });
  }

  private createChannel(exchange: IncomingExchange, team: EmulatedTeam): Reply | Promise<Reply> {
    return withBody(exchange, channelCreateSchema, async (body) => {
      const channelId = body.channelId ?? teamsIds.channel();
      if (this.options.state.conversations.has(channelId)) return controlError(409, 'ConversationExists', `Conversation '${channelId}' already exists.`);
      const general = generalOf(this.options.state, team);
      const actor = this.actor(team, body.by);
      const channel = ensureChannel(this.options.state, team, channelId, { tenantId: team.tenantId, serviceUrl: general.serviceUrl, locale: general.locale, user: actor, nowIso: this.now().toISOString() }, body.name);
      return this.channelEvent(team, channel, 'channelCreated', actor, 201);
    });
  }

  private renameChannel(exchange: IncomingExchange, team: EmulatedTeam, channel: EmulatedConversation): Reply | Promise<Reply> {
    return withBody(exchange, renameSchema, async (body) => {
      if (channel.id === team.id) return controlError(409, 'GeneralChannel', 'The General channel cannot be renamed.');
      channel.name = body.name;
      return this.channelEvent(team, channel, 'channelRenamed', this.actor(team, body.by));
    });
  }

  private setChannelDeleted(exchange: IncomingExchange, team: EmulatedTeam, channel: EmulatedConversation, deleted: boolean): Reply | Promise<Reply> {
    return withBody(exchange, actorSchema, async (body) => {
      if (channel.id === team.id) return controlError(409, 'GeneralChannel', 'The General channel cannot be deleted or restored.');
      channel.deleted = deleted;
      channel.changedAt = this.now().toISOString();
      return this.channelEvent(team, channel, deleted ? 'channelDeleted' : 'channelRestored', this.actor(team, body.by));
    });
  }

  private addMembers(exchange: IncomingExchange, team: EmulatedTeam): Reply | Promise<Reply> {
    return withBody(exchange, teamMembersSchema, async (body) => {
      const users = body.users.map((u) => this.options.state.user(team.tenantId, u.aadObjectId, u.name));
      for (const user of users) addMember(team, user);
      const event = inboundActivities.teamMembersChanged(generalOf(this.options.state, team), this.options.bot, 'added', users, this.actor(team, body.by), teamsIds.eventActivity(), this.now());
      return this.answer(team, await this.deliver(team, event));
    });
  }

  private removeMember(exchange: IncomingExchange, team: EmulatedTeam, userId: string): Reply | Promise<Reply> {
    return withBody(exchange, actorSchema, async (body) => {
      const removed = removeMember(team, userId);
      if (removed === undefined) return controlError(404, 'MemberNotFound', `No member '${userId}' in team ${team.id}.`);
      const event = inboundActivities.teamMembersChanged(generalOf(this.options.state, team), this.options.bot, 'removed', [removed], this.actor(team, body.by), teamsIds.eventActivity(), this.now());
      return this.answer(team, await this.deliver(team, event));
    });
  }

  private async channelEvent(team: EmulatedTeam, channel: EmulatedConversation, eventType: ChannelEventType, actor: TeamsUser, status = 200): Promise<Reply> {
    const event = inboundActivities.channelEvent(generalOf(this.options.state, team), channel, this.options.bot, eventType, actor, teamsIds.eventActivity(), this.now());
    return this.answer(team, await this.deliver(team, event), status, channel.id);
  }

  /** Teams only tells a bot installed in the team. */
  private async deliver(team: EmulatedTeam, event: InboundActivity): Promise<GatewayDeliveryResult[]> {
    return team.installed ? [await this.options.delivery.deliver(event)] : [];
  }

  /** The acting user: the one named (joining the team), else the team's first member. */
  private actor(team: EmulatedTeam, by: Actor): TeamsUser {
    if (by !== undefined) {
      const user = this.options.state.user(team.tenantId, by.aadObjectId, by.name);
      addMember(team, user);
      return user;
    }
    return team.members[0] ?? this.options.state.user(team.tenantId, undefined, undefined);
  }

  private answer(team: EmulatedTeam, gateway: GatewayDeliveryResult[], status = 200, channelId?: string): Reply {
    return jsonReply(status, { ...this.view(team), ...(channelId === undefined ? {} : { channelId }), gateway });
  }

  private view(team: EmulatedTeam): Record<string, unknown> {
    return {
      teamId: team.id,
      name: team.name,
      aadGroupId: team.aadGroupId,
      tenantId: team.tenantId,
      installed: team.installed,
      archived: team.archived,
      deleted: team.deleted,
      members: team.members,
      channels: this.options.state.channelsOf(team.id).map((c) => ({ channelId: c.id, name: c.id === team.id ? 'General' : c.name, deleted: isDeleted(c) })),
    };
  }

  private withTeam(params: RouteParams, act: (team: EmulatedTeam) => Reply | Promise<Reply>): Reply | Promise<Reply> {
    const team = this.options.state.teams.get(params.teamId ?? '');
    return team === undefined ? controlError(404, 'TeamNotFound', `No team '${params.teamId ?? ''}' in the emulator.`) : act(team);
  }

  private withChannel(params: RouteParams, act: (team: EmulatedTeam, channel: EmulatedConversation) => Reply | Promise<Reply>): Reply | Promise<Reply> {
    return this.withTeam(params, (team) => {
      const channel = this.options.state.conversations.get(params.channelId ?? '');
      if (channel?.team?.id !== team.id) return controlError(404, 'ChannelNotFound', `No channel '${params.channelId ?? ''}' in team ${team.id}.`);
      return act(team, channel);
    });
  }

  private now(): Date {
    return new Date(this.options.now());
  }
}
