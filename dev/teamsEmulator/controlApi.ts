import { randomUUID } from 'node:crypto';

import { type z } from 'zod';

import { type CreateConversationRequest, createConversationSchema, gatewayUrlSchema, tenantUpdateSchema, userMessageSchema } from './controlRequests';
import { applyLimitsUpdate, type EmulatorLimits, limitsUpdateSchema } from './emulatorLimits';
import { type EmulatorRouter, type RouteParams } from './emulatorRouter';
import { type EmulatorStats } from './emulatorStats';
import { type FaultInjector, faultPlanSchema } from './faultPlan';
import { type GatewayDelivery, type GatewayDeliveryResult } from './gatewayDelivery';
import { controlError, type IncomingExchange, jsonReply, type Reply } from './httpExchange';
import { type BotAccount, inboundActivities } from './inboundActivities';
import { type MessageIdClock, teamsIds } from './teamsIds';
import { conversationStatus, type EmulatedConversation, type PostedActivity, type TeamsState } from './teamsState';

export interface ControlApiOptions {
  state: TeamsState;
  bot: BotAccount;
  defaultTenantId: string;
  serviceUrls: () => { public: string; gcc: string };
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
      .add('POST', '/_control/conversations/{conversationId}/uninstall', (_e, p) => this.withConversation(p, (c) => this.installation(c, 'remove')))
      .add('POST', '/_control/conversations/{conversationId}/install', (_e, p) => this.withConversation(p, (c) => this.installation(c, 'add')))
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
  }

  private async createConversation(exchange: IncomingExchange): Promise<Reply> {
    const parsed = parseBody(exchange, createConversationSchema);
    if ('status' in parsed) return parsed;
    const request = parsed.value;
    const { state } = this.options;
    const tenantId = request.tenantId ?? this.options.defaultTenantId;
    const user = state.user(tenantId, request.user?.aadObjectId, request.user?.name);

    const existing =
      request.conversationId !== undefined
        ? state.conversations.get(request.conversationId)
        : request.type === 'personal'
          ? state.findPersonal(tenantId, user.id)
          : undefined;
    if (existing !== undefined && (existing.type !== request.type || existing.tenantId !== tenantId)) {
      return controlError(409, 'ConversationExists', `Conversation '${existing.id}' already exists as a ${existing.type} chat in tenant ${existing.tenantId}.`);
    }
    // Teams keeps one personal chat per user and bot: installing again re-opens it, with the same id.
    const conversation = existing ?? this.newConversation(request, tenantId, user);
    if (existing === undefined) state.add(conversation);
    Object.assign(conversation, { installed: true, blocked: false, deleted: false, changedAt: this.nowIso() });
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

  private newConversation(request: CreateConversationRequest, tenantId: string, user: EmulatedConversation['user']): EmulatedConversation {
    const { state } = this.options;
    const urls = this.options.serviceUrls();
    const extraMembers = (request.members ?? []).map((m) => state.user(tenantId, m.aadObjectId, m.name));
    const members = request.type === 'personal' ? [user] : [user, ...extraMembers.filter((m) => m.id !== user.id)];
    const nowIso = this.nowIso();
    const conversation: EmulatedConversation = {
      id: request.conversationId ?? '',
      type: request.type,
      tenantId,
      serviceUrl: state.tenant(tenantId).cloud === 'gcc' ? urls.gcc : urls.public,
      locale: request.locale ?? 'en-US',
      user,
      members,
      installed: true,
      blocked: false,
      deleted: false,
      createdAt: nowIso,
      changedAt: nowIso,
    };
    if (request.type === 'channel') {
      // Installing in a team lands in its General channel, whose id is the team id.
      const teamId = request.teamId ?? request.channelId ?? request.conversationId ?? teamsIds.channel();
      const channelId = request.channelId ?? request.conversationId ?? teamId;
      conversation.team = { id: teamId, name: request.teamName ?? `Team ${teamId.slice(3, 11)}`, aadGroupId: randomUUID() };
      conversation.channelId = channelId;
      conversation.id = request.conversationId ?? channelId;
    } else if (conversation.id === '') {
      conversation.id = request.type === 'personal' ? teamsIds.personalConversation() : teamsIds.groupChat();
    }
    return conversation;
  }

  private async installation(conversation: EmulatedConversation, action: 'add' | 'remove'): Promise<Reply> {
    if (conversation.deleted && action === 'remove') return controlError(409, 'ConversationDeleted', 'The conversation was deleted.');
    const changes = action === 'add' ? { installed: true, blocked: false, deleted: false } : { installed: false };
    Object.assign(conversation, changes, { changedAt: this.nowIso() });
    const gateway = await this.deliverInstallation(conversation, action);
    return jsonReply(200, { ...this.view(conversation), gateway });
  }

  /** Teams announces an install or uninstall twice: installationUpdate, then conversationUpdate with the bot as member. */
  private async deliverInstallation(conversation: EmulatedConversation, action: 'add' | 'remove'): Promise<GatewayDeliveryResult[]> {
    const { bot, delivery } = this.options;
    const now = new Date(this.options.now());
    const installation = inboundActivities.installationUpdate(conversation, bot, action, teamsIds.eventActivity(), now);
    const update = inboundActivities.conversationUpdate(conversation, bot, action === 'add' ? 'added' : 'removed', teamsIds.eventActivity(), now);
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

  private updateTenant(exchange: IncomingExchange, params: RouteParams): Reply {
    return withBody(exchange, tenantUpdateSchema, (body) => {
      const tenant = this.options.state.tenant(params.tenantId ?? '');
      if (body.cloud !== undefined) tenant.cloud = body.cloud;
      if (body.disabled !== undefined) tenant.disabled = body.disabled;
      return jsonReply(200, tenant);
    });
  }

  private setTenantDisabled(params: RouteParams, disabled: boolean): Reply {
    const tenant = this.options.state.tenant(params.tenantId ?? '');
    tenant.disabled = disabled;
    return jsonReply(200, tenant);
  }

  private setFaults(exchange: IncomingExchange): Reply {
    return withBody(exchange, faultPlanSchema, (plan) => {
      this.options.faults.setPlan(plan);
      return jsonReply(200, this.options.faults.getPlan());
    });
  }

  private setLimits(exchange: IncomingExchange): Reply {
    return withBody(exchange, limitsUpdateSchema, (update) => {
      this.options.limits.set(applyLimitsUpdate(this.options.limits.get(), update));
      return jsonReply(200, this.options.limits.get());
    });
  }

  private withConversation(params: RouteParams, act: (conversation: EmulatedConversation) => Reply | Promise<Reply>): Reply | Promise<Reply> {
    const conversation = this.options.state.conversations.get(params.conversationId ?? '');
    return conversation === undefined ? unknownConversation(params) : act(conversation);
  }

  private view(conversation: EmulatedConversation): Record<string, unknown> {
    const log = this.options.state.existingLog(conversation.id);
    return {
      conversationId: conversation.id,
      type: conversation.type,
      status: conversationStatus(conversation),
      tenantId: conversation.tenantId,
      serviceUrl: conversation.serviceUrl,
      user: conversation.user,
      members: conversation.members,
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
    receivedCount: posted.receivedCount,
    updateCount: posted.updateCount,
    deleted: posted.deleted,
    createdAt: posted.createdAt,
    updatedAt: posted.updatedAt,
    deletedAt: posted.deletedAt,
    activity: posted.activity,
  };
}

function unknownConversation(params: RouteParams): Reply {
  return controlError(404, 'ConversationNotFound', `No conversation '${params.conversationId ?? ''}' in the emulator.`);
}

function parseBody<S extends z.ZodTypeAny>(exchange: IncomingExchange, schema: S): { value: z.output<S> } | Reply {
  let json: unknown;
  try {
    json = exchange.bodyText.trim() === '' ? {} : JSON.parse(exchange.bodyText);
  } catch {
    return controlError(400, 'InvalidJson', 'The request body is not valid JSON.');
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    return controlError(
      400,
      'InvalidRequest',
      result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
      result.error.issues,
    );
  }
  return { value: result.data as z.output<S> };
}

function withBody<S extends z.ZodTypeAny>(exchange: IncomingExchange, schema: S, act: (value: z.output<S>) => Reply): Reply {
  const parsed = parseBody(exchange, schema);
  return 'status' in parsed ? parsed : act(parsed.value);
}
