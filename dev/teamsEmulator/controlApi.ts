import { ActivityReplay } from './activityReplay';
import { parseBody, unknownConversation, withBody } from './controlBodies';
import { type CreateConversationRequest, createConversationSchema, gatewayUrlSchema, installActionSchema, tenantUpdateSchema, userMessageSchema } from './controlRequests';
import { addMember, ensureChannel, ensureTeam } from './emulatedTeams';
import { applyLimitsUpdate, type EmulatorLimits, limitsUpdateSchema } from './emulatorLimits';
import { type EmulatorRouter, type RouteParams } from './emulatorRouter';
import { type EmulatorStats } from './emulatorStats';
import { type FaultInjector, faultPlanSchema } from './faultPlan';
import { type GatewayDelivery, type GatewayDeliveryResult } from './gatewayDelivery';
import { controlError, type IncomingExchange, jsonReply, type Reply } from './httpExchange';
import { type BotAccount, inboundActivities, type InstallAction } from './inboundActivities';
import { TeamControl } from './teamControl';
import { type MessageIdClock, teamsIds } from './teamsIds';
import { conversationStatus, type EmulatedConversation, type PostedActivity, type TeamsState, type TeamsUser } from './teamsState';

export interface ControlApiOptions {
  state: TeamsState;
  bot: BotAccount;
  defaultTenantId: string;
  /** `base` is the emulator's own origin (`https://127.0.0.1:PORT`). */
  serviceUrls: () => { base: string; public: string; gcc: string };
  delivery: GatewayDelivery;
  messageIds: MessageIdClock;
  now: () => number;
  faults: FaultInjector;
  limits: { get(): EmulatorLimits; set(limits: EmulatorLimits): void };
  stats: EmulatorStats;
  gatewayUrl: { get(): string; set(url: string): void };
  rotateChannelKey: () => Promise<string>;
  reset: () => void;
  info: () => Record<string, unknown>;
}

/**
 * `/_control`: the Teams side of the world, played by tests and people (documented in the README; stable).
 * Teams-side events are delivered to the gateway signed, and each answer says what the gateway answered.
 */
export class ControlApi {
  constructor(private readonly options: ControlApiOptions) {}

  register(router: EmulatorRouter): void {
    const o = this.options;
    router
      .add('GET', '/_control', () => jsonReply(200, o.info()))
      .add('GET', '/_control/conversations', () => jsonReply(200, { conversations: [...o.state.conversations.values()].map((c) => this.view(c)) }))
      .add('POST', '/_control/conversations', (e) => this.createConversation(e))
      .add('GET', '/_control/conversations/{conversationId}', (_e, p) => this.withConversation(p, (c) => jsonReply(200, this.view(c))))
      .add('DELETE', '/_control/conversations/{conversationId}', (_e, p) => this.withConversation(p, (c) => this.change(c, { deleted: true })))
      .add('POST', '/_control/conversations/{conversationId}/messages', (e, p) => this.userMessage(e, p))
      .add('POST', '/_control/conversations/{conversationId}/uninstall', (e, p) => this.installationRequest(e, p, 'remove'))
      .add('POST', '/_control/conversations/{conversationId}/install', (e, p) => this.installationRequest(e, p, 'add'))
      .add('POST', '/_control/conversations/{conversationId}/block', (_e, p) => this.withConversation(p, (c) => this.change(c, { blocked: true })))
      .add('POST', '/_control/conversations/{conversationId}/unblock', (_e, p) => this.withConversation(p, (c) => this.change(c, { blocked: false })))
      .add('GET', '/_control/conversations/{conversationId}/activities', (_e, p) => this.activities(p))
      .add('GET', '/_control/tenants', () => jsonReply(200, { tenants: o.state.listTenants() }))
      .add('PUT', '/_control/tenants/{tenantId}', (e, p) => this.updateTenant(e, p))
      .add('POST', '/_control/tenants/{tenantId}/disable', (_e, p) => this.setTenantDisabled(p, true))
      .add('POST', '/_control/tenants/{tenantId}/enable', (_e, p) => this.setTenantDisabled(p, false))
      .add('GET', '/_control/faults', () => jsonReply(200, o.faults.getPlan()))
      .add('PUT', '/_control/faults', (e) => this.setFaults(e))
      .add('GET', '/_control/limits', () => jsonReply(200, o.limits.get()))
      .add('PUT', '/_control/limits', (e) => this.setLimits(e))
      .add('GET', '/_control/stats', () => jsonReply(200, o.stats.read()))
      .add('POST', '/_control/reset', () => {
        o.reset();
        return jsonReply(200, { reset: true });
      })
      .add('GET', '/_control/gateway', () => jsonReply(200, { url: o.gatewayUrl.get() }))
      .add('PUT', '/_control/gateway', (e) =>
        withBody(e, gatewayUrlSchema, (body) => {
          o.gatewayUrl.set(body.url);
          return jsonReply(200, { url: o.gatewayUrl.get() });
        }),
      )
      .add('POST', '/_control/keys/rotate', async () => jsonReply(200, { kid: await o.rotateChannelKey() }));
    new TeamControl(o).register(router);
    new ActivityReplay(o).register(router);
  }

  private async createConversation(exchange: IncomingExchange): Promise<Reply> {
    const parsed = parseBody(exchange, createConversationSchema);
    if ('status' in parsed) return parsed;
    const request = parsed.value;
    const { state } = this.options;
    const tenantId = request.tenantId ?? this.options.defaultTenantId;
    const user = state.user(tenantId, request.user?.aadObjectId, request.user?.name);
    const channelIdWanted = request.type === 'channel' ? (request.channelId ?? request.conversationId ?? request.teamId) : undefined;

    const existing =
      channelIdWanted !== undefined
        ? state.conversations.get(channelIdWanted)
        : request.conversationId !== undefined
          ? state.conversations.get(request.conversationId)
          : request.type === 'personal'
            ? state.findPersonal(tenantId, user.id)
            : undefined;
    if (existing !== undefined && (existing.type !== request.type || existing.tenantId !== tenantId)) {
      return controlError(409, 'ConversationExists', `Conversation '${existing.id}' already exists as a ${existing.type} chat in tenant ${existing.tenantId}.`);
    }
    // Teams keeps one personal chat per user and bot: installing again re-opens it, with the same id.
    const conversation = existing ?? this.newConversation(request, tenantId, user);
    if (existing === undefined && request.type !== 'channel') state.add(conversation);
    Object.assign(conversation, { installed: true, blocked: false, deleted: false, changedAt: this.nowIso() });
    if (conversation.team !== undefined) Object.assign(conversation.team, { installed: true, deleted: false });
    const gateway = await this.deliverInstallation(conversation, 'add');
    return jsonReply(existing === undefined ? 201 : 200, {
      conversationId: conversation.id,
      type: conversation.type,
      serviceUrl: conversation.serviceUrl,
      tenantId,
      user: conversation.user,
      bot: this.options.bot,
      ...(conversation.team === undefined ? {} : { teamId: conversation.team.id, channelId: conversation.channelId }),
      gateway,
    });
  }

  private newConversation(request: CreateConversationRequest, tenantId: string, user: TeamsUser): EmulatedConversation {
    const { state } = this.options;
    const urls = this.options.serviceUrls();
    const extraMembers = (request.members ?? []).map((m) => state.user(tenantId, m.aadObjectId, m.name));
    const tenant = state.tenant(tenantId);
    const regionUrl = tenant.cloud === 'gcc' ? urls.gcc : urls.public;
    const serviceUrl = tenant.serviceUrlWithTenant ? `${regionUrl}${encodeURIComponent(tenantId)}/` : regionUrl;
    const locale = request.locale ?? 'en-US';
    const nowIso = this.nowIso();
    if (request.type === 'channel') {
      // A team always has General (id = team id); the app is installed from the selected channel, General by default.
      const teamId = request.teamId ?? request.channelId ?? request.conversationId ?? teamsIds.channel();
      const place = { tenantId, serviceUrl, locale, user, nowIso };
      const team = ensureTeam(this.options.state, teamId, place, request.teamName === undefined ? {} : { name: request.teamName });
      for (const member of extraMembers) addMember(team, member);
      return ensureChannel(this.options.state, team, request.channelId ?? request.conversationId ?? teamId, place, request.channelName);
    }
    const members = request.type === 'personal' ? [user] : [user, ...extraMembers.filter((m) => m.id !== user.id)];
    const conversation: EmulatedConversation = {
      id: request.conversationId ?? (request.type === 'personal' ? teamsIds.personalConversation() : teamsIds.groupChat()),
      type: request.type,
      tenantId,
      serviceUrl,
      locale,
      user,
      members,
      installed: true,
      blocked: false,
      deleted: false,
      createdAt: nowIso,
      changedAt: nowIso,
    };
    if (request.type === 'groupChat' && request.channelName !== undefined) conversation.name = request.channelName;
    return conversation;
  }

  private async installationRequest(exchange: IncomingExchange, params: RouteParams, kind: 'add' | 'remove'): Promise<Reply> {
    const conversation = this.options.state.conversations.get(params.conversationId ?? '');
    if (conversation === undefined) return unknownConversation(params);
    const parsed = parseBody(exchange, installActionSchema);
    if ('status' in parsed) return parsed;
    const action = parsed.value.action ?? kind;
    if (!action.startsWith(kind)) return controlError(400, 'InvalidRequest', `action: must be ${kind} or ${kind}-upgrade here`);
    return this.installation(conversation, action);
  }

  private async installation(conversation: EmulatedConversation, action: InstallAction): Promise<Reply> {
    const adding = action.startsWith('add');
    if (conversation.deleted && !adding) return controlError(409, 'ConversationDeleted', 'The conversation was deleted.');
    const changes = adding ? { installed: true, blocked: false, deleted: false } : { installed: false };
    Object.assign(conversation, changes, { changedAt: this.nowIso() });
    // In a team the app is installed or removed for the whole team, whichever channel it happens from.
    if (conversation.team !== undefined) conversation.team.installed = adding;
    const gateway = await this.deliverInstallation(conversation, action);
    return jsonReply(200, { ...this.view(conversation), gateway });
  }

  /**
   * The app installed for a user in personal scope from outside Teams (Microsoft Graph): the chat Teams keeps
   * per user and bot (re-opened when it exists), and the two events, sent by `announce` after the caller has
   * answered, as Teams sends them after the install. Undefined when the app is installed for the user already.
   */
  installForUser(tenantId: string, aadObjectId: string): { conversation: EmulatedConversation; announce: () => Promise<GatewayDeliveryResult[]> } | undefined {
    const { state } = this.options;
    const user = state.user(tenantId, aadObjectId, undefined);
    const existing = state.findPersonal(tenantId, aadObjectId);
    if (existing?.installed === true) return undefined;
    const conversation = existing ?? this.newConversation({ type: 'personal', tenantId, user: { aadObjectId } }, tenantId, user);
    if (existing === undefined) state.add(conversation);
    Object.assign(conversation, { installed: true, blocked: false, deleted: false, changedAt: this.nowIso() });
    return { conversation, announce: () => this.deliverInstallation(conversation, 'add') };
  }

  /** Teams announces an install or uninstall twice: installationUpdate, then conversationUpdate with the bot as member. */
  private async deliverInstallation(conversation: EmulatedConversation, action: InstallAction): Promise<GatewayDeliveryResult[]> {
    const { bot, delivery } = this.options;
    const now = new Date(this.options.now());
    const installation = inboundActivities.installationUpdate(conversation, bot, action, teamsIds.eventActivity(), now);
    const update = inboundActivities.conversationUpdate(conversation, bot, action.startsWith('add') ? 'added' : 'removed', teamsIds.eventActivity(), now);
    return [await delivery.deliver(installation), await delivery.deliver(update)];
  }

  private change(conversation: EmulatedConversation, changes: Partial<Pick<EmulatedConversation, 'blocked' | 'deleted'>>): Reply {
    Object.assign(conversation, changes, { changedAt: this.nowIso() });
    return jsonReply(200, this.view(conversation));
  }

  private async userMessage(exchange: IncomingExchange, params: RouteParams): Promise<Reply> {
    const conversation = this.options.state.resolve(params.conversationId ?? '');
    if (conversation === undefined) return unknownConversation(params);
    const parsed = parseBody(exchange, userMessageSchema);
    if ('status' in parsed) return parsed;
    const status = conversationStatus(conversation);
    if (status !== 'active') return controlError(409, 'ConversationNotActive', `A user cannot message the bot in a conversation that is ${status}.`);
    const now = this.options.now();
    const activity = inboundActivities.message(conversation, this.options.bot, parsed.value.text, this.options.messageIds.next(now), new Date(now));
    this.options.state.log(conversation.id).userMessages.push({ id: activity.id, text: parsed.value.text, from: activity.from, createdAt: new Date(now).toISOString() });
    const result = await this.options.delivery.deliver(activity);
    return jsonReply(200, { activityId: activity.id, conversationId: activity.conversation.id, gateway: [result] });
  }

  private activities(params: RouteParams): Reply {
    const conversationId = params.conversationId ?? '';
    const log = this.options.state.existingLog(conversationId);
    if (log === undefined && this.options.state.resolve(conversationId) === undefined) return unknownConversation(params);
    return jsonReply(200, { conversationId, activities: (log?.activities ?? []).map(activityView), userMessages: log?.userMessages ?? [] });
  }

  private updateTenant(exchange: IncomingExchange, params: RouteParams): Reply | Promise<Reply> {
    return withBody(exchange, tenantUpdateSchema, (body) => {
      const tenant = this.options.state.tenant(params.tenantId ?? '');
      if (body.cloud !== undefined) tenant.cloud = body.cloud;
      if (body.disabled !== undefined) tenant.disabled = body.disabled;
      if (body.serviceUrlWithTenant !== undefined) tenant.serviceUrlWithTenant = body.serviceUrlWithTenant;
      return jsonReply(200, tenant);
    });
  }

  private setTenantDisabled(params: RouteParams, disabled: boolean): Reply {
    const tenant = this.options.state.tenant(params.tenantId ?? '');
    tenant.disabled = disabled;
    return jsonReply(200, tenant);
  }

  private setFaults(exchange: IncomingExchange): Reply | Promise<Reply> {
    return withBody(exchange, faultPlanSchema, (plan) => {
      this.options.faults.setPlan(plan);
      return jsonReply(200, this.options.faults.getPlan());
    });
  }

  private setLimits(exchange: IncomingExchange): Reply | Promise<Reply> {
    return withBody(exchange, limitsUpdateSchema, (update) => {
      this.options.limits.set(applyLimitsUpdate(this.options.limits.get(), update));
      return jsonReply(200, this.options.limits.get());
    });
  }

  private withConversation(params: RouteParams, act: (conversation: EmulatedConversation) => Reply | Promise<Reply>): Reply | Promise<Reply> {
    const conversation = this.options.state.conversations.get(params.conversationId ?? '');
    return conversation === undefined ? unknownConversation(params) : act(conversation);
  }

  view(conversation: EmulatedConversation): Record<string, unknown> {
    const log = this.options.state.existingLog(conversation.id);
    return {
      conversationId: conversation.id,
      type: conversation.type,
      status: conversationStatus(conversation),
      tenantId: conversation.tenantId,
      serviceUrl: conversation.serviceUrl,
      user: conversation.user,
      members: conversation.members,
      ...(conversation.name === undefined ? {} : { name: conversation.name }),
      ...(conversation.team === undefined ? {} : { teamId: conversation.team.id, teamName: conversation.team.name, channelId: conversation.channelId }),
      activityCount: log?.activities.filter((a) => !a.deleted).length ?? 0,
      createdAt: conversation.createdAt,
      changedAt: conversation.changedAt,
    };
  }

  private nowIso(): string {
    return new Date(this.options.now()).toISOString();
  }
}

function activityView(posted: PostedActivity): Record<string, unknown> {
  return {
    id: posted.id,
    type: posted.activity.type,
    text: posted.activity.text,
    replyToId: posted.activity.replyToId,
    mentions: posted.mentions,
    receivedCount: posted.receivedCount,
    updateCount: posted.updateCount,
    deleted: posted.deleted,
    createdAt: posted.createdAt,
    updatedAt: posted.updatedAt,
    deletedAt: posted.deletedAt,
    activity: posted.activity,
  };
}

