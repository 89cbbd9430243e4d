import { type AccessTokenVerifier } from './accessTokenVerifier';
import { type EmulatorLimits } from './emulatorLimits';
import { type EmulatorRouter, type RouteParams } from './emulatorRouter';
import { type EmulatorStats } from './emulatorStats';
import { type ConnectorFault, type FaultInjector } from './faultPlan';
import { type IncomingExchange, jsonReply, type Reply } from './httpExchange';
import { type SlidingWindowRateLimiter } from './rateLimiter';
import { type RecordedMention, recordedMentions } from './recordedMentions';
import { teamsErrors } from './teamsErrors';
import { type MessageIdClock, teamsIds } from './teamsIds';
import { type ActivityLog, type EmulatedConversation, isDeleted, isInstalled, type TeamsState, type TeamsUser } from './teamsState';

export interface ConnectorApiOptions {
  state: TeamsState;
  appId: string;
  limits: () => EmulatorLimits;
  conversationLimiter: SlidingWindowRateLimiter;
  tenantLimiter: SlidingWindowRateLimiter;
  faults: FaultInjector;
  verifier: AccessTokenVerifier;
  stats: EmulatorStats;
  messageIds: MessageIdClock;
  now: () => number;
}

type Activity = Record<string, unknown>;

/** Region prefixes the GCC host uses; any other base is the public host. */
const gccRegion = 'gcc';
/** Activity types a bot may post to Teams. */
const postableTypes = new Set(['message', 'typing']);

/**
 * The Bot Connector REST API (v3) as Teams runs it, under any region prefix (`/amer/`, `/emea/`, `/gcc/`...):
 * create a personal chat or channel thread, send, reply, update, delete, read the roster. Each request is
 * checked in the order Teams' answers imply: injected fault, bearer token (401), size (413), payload (400 /
 * 403 for a foreign `from`), conversation (404), host (403 InvalidBotApiHost), tenant (403 BotDisabledByAdmin),
 * roster (403 BotNotInConversationRoster), block (403 ConversationBlockedByUser), rate limits (429), activity
 * (404 ActivityNotFoundInConversation). Only then is it applied.
 */
export class ConnectorApi {
  constructor(private readonly options: ConnectorApiOptions) {}

  register(router: EmulatorRouter): void {
    const routes: [string, string, (exchange: IncomingExchange, params: RouteParams) => Reply][] = [
      ['POST', '/v3/conversations', (e, p) => this.createConversation(e, p)],
      ['POST', '/v3/conversations/{conversationId}/activities', (e, p) => this.send(e, p, undefined)],
      ['POST', '/v3/conversations/{conversationId}/activities/{activityId}', (e, p) => this.send(e, p, p.activityId)],
      ['PUT', '/v3/conversations/{conversationId}/activities/{activityId}', (e, p) => this.update(e, p)],
      ['DELETE', '/v3/conversations/{conversationId}/activities/{activityId}', (e, p) => this.delete(e, p)],
      ['GET', '/v3/conversations/{conversationId}/members', (e, p) => this.members(e, p)],
    ];
    for (const [method, template, handle] of routes) {
      router.add(method, `/{region}${template}`, (exchange, params) => this.guarded(exchange, params, handle));
      // Current Teams serviceUrls carry the tenant: https://smba.trafficmanager.net/amer/<tenantId>/.
      router.add(method, `/{region}/{serviceUrlTenant}${template}`, (exchange, params) => this.guarded(exchange, params, handle));
      router.add(method, template, (exchange, params) => this.guarded(exchange, params, handle));
    }
  }

  /** Faults first (Teams fails whatever it is sent), then the bearer token. */
  private guarded(exchange: IncomingExchange, params: RouteParams, handle: (exchange: IncomingExchange, params: RouteParams) => Reply): Reply {
    const fault = this.options.faults.drawConnectorFault();
    if (fault !== undefined) this.options.stats.recordFault(fault);
    const immediate = fault === undefined ? undefined : immediateFault(fault, this.options.now());
    if (immediate !== undefined) return immediate;

    const verdict = this.options.verifier.check(firstHeader(exchange.headers.authorization));
    if (verdict === 'unauthorized') return teamsErrors.unauthorized();
    if (verdict === 'botNotRegistered') return teamsErrors.botNotRegistered();

    const reply = handle(exchange, params);
    if (fault === 'slow') return { ...reply, delayInMs: this.options.faults.slowDelayInMs };
    if (fault === 'reset') return { ...reply, drop: 'reset' };
    return reply;
  }

  private createConversation(exchange: IncomingExchange, params: RouteParams): Reply {
    const parsed = this.parseBody(exchange);
    if ('status' in parsed) return parsed;
    const body = parsed.body;
    const channelData = asRecord(body.channelData);
    const tenantId = stringOr(body.tenantId) ?? stringOr(asRecord(channelData?.tenant)?.id);
    if (tenantId === undefined) return teamsErrors.badArgument('A tenant id is required to create a conversation in Teams.');
    const activity = body.activity === undefined ? undefined : asRecord(body.activity);
    if (body.activity !== undefined && activity === undefined) return teamsErrors.badArgument('Invalid activity.');
    if (activity !== undefined) {
      const invalid = this.validateActivity(activity);
      if (invalid !== undefined) return invalid;
    }

    const channelId = stringOr(asRecord(channelData?.channel)?.id);
    if (channelId !== undefined) return this.createThread(params, channelId, activity);
    if (body.isGroup === true) return teamsErrors.badArgument('A bot cannot create a group chat; post to a channel or an existing chat instead.');

    const members = Array.isArray(body.members) ? body.members : [];
    const memberId = stringOr(asRecord(members[0])?.id);
    if (members.length !== 1 || memberId === undefined) return teamsErrors.badArgument('A personal conversation needs exactly one member with an id.');

    const tenant = this.options.state.tenant(tenantId);
    if (tenant.disabled) return teamsErrors.botDisabledByAdmin();
    const conversation = this.options.state.findPersonal(tenantId, memberId) ?? this.chatWithTeamMember(tenantId, memberId);
    if (conversation === undefined || !conversation.installed) return teamsErrors.forbiddenOperation();
    if (tenant.cloud === 'gcc' && params.region?.toLowerCase() !== gccRegion) return teamsErrors.invalidBotApiHost();
    if (activity !== undefined && conversation.blocked) return teamsErrors.conversationBlockedByUser();
    const throttled = this.throttle(conversation);
    if (throttled !== undefined) return throttled;
    if (activity === undefined) return jsonReply(201, { id: conversation.id });
    const posted = this.post(conversation, conversation.id, activity, undefined);
    return jsonReply(201, { id: conversation.id, activityId: posted });
  }

  /**
   * Teams lets a bot create a 1:1 chat with any member of a team the bot is installed in ("make the user a part
   * of a team in which the app is installed"), without a personal install or any event to the bot.
   */
  private chatWithTeamMember(tenantId: string, memberId: string): EmulatedConversation | undefined {
    const [team] = this.options.state.teamsWithMember(tenantId, memberId);
    const wanted = memberId.toLowerCase().replace(/^8:orgid:/, '');
    const user = team?.members.find((m) => m.id.toLowerCase() === wanted || m.aadObjectId.toLowerCase() === wanted);
    const general = team === undefined ? undefined : this.options.state.conversations.get(team.id);
    if (user === undefined || general === undefined) return undefined;
    const nowIso = this.nowIso();
    const chat: EmulatedConversation = {
      id: teamsIds.personalConversation(),
      type: 'personal',
      tenantId,
      serviceUrl: general.serviceUrl,
      locale: general.locale,
      user,
      members: [user],
      installed: true,
      blocked: false,
      deleted: false,
      createdAt: nowIso,
      changedAt: nowIso,
    };
    this.options.state.add(chat);
    return chat;
  }

  /** A new channel post: Teams answers with the thread's conversation id `<channel>;messageid=<post id>`. */
  private createThread(params: RouteParams, channelId: string, activity: Activity | undefined): Reply {
    if (activity === undefined) return teamsErrors.badArgument('An activity is required to start a channel thread.');
    const conversation = this.options.state.resolve(channelId);
    const refused = this.refuse(conversation, params);
    if (refused !== undefined || conversation === undefined) return refused ?? teamsErrors.conversationNotFound();
    const throttled = this.throttle(conversation);
    if (throttled !== undefined) return throttled;
    const id = this.options.messageIds.next(this.options.now());
    const threadId = `${channelId};messageid=${id}`;
    this.options.state.log(threadId).post(activity, () => id, this.nowIso(), this.mentionsIn(conversation, activity));
    return jsonReply(201, { id: threadId, activityId: id });
  }

  private send(exchange: IncomingExchange, params: RouteParams, replyToId: string | undefined): Reply {
    const parsed = this.parseBody(exchange);
    if ('status' in parsed) return parsed;
    const invalid = this.validateActivity(parsed.body);
    if (invalid !== undefined) return invalid;
    const conversationId = params.conversationId ?? '';
    const conversation = this.options.state.resolve(conversationId);
    const refused = this.refuse(conversation, params);
    if (refused !== undefined || conversation === undefined) return refused ?? teamsErrors.conversationNotFound();
    const throttled = this.throttle(conversation);
    if (throttled !== undefined) return throttled;
    return jsonReply(201, { id: this.post(conversation, conversationId, parsed.body, replyToId) });
  }

  private update(exchange: IncomingExchange, params: RouteParams): Reply {
    const parsed = this.parseBody(exchange);
    if ('status' in parsed) return parsed;
    const invalid = this.validateActivity(parsed.body);
    if (invalid !== undefined) return invalid;
    if (parsed.body.type !== 'message') return teamsErrors.badArgument('Only message activities can be updated.');
    const found = this.postedActivity(params);
    if ('status' in found) return found;
    found.log.update(found.activityId, parsed.body, this.nowIso(), this.mentionsIn(found.conversation, parsed.body));
    return jsonReply(200, { id: found.activityId });
  }

  private delete(_exchange: IncomingExchange, params: RouteParams): Reply {
    const found = this.postedActivity(params);
    if ('status' in found) return found;
    found.log.delete(found.activityId, this.nowIso());
    return { status: 200 };
  }

  /** An update or delete's target, checked as Teams does: conversation rules, then the activity, then limits. */
  private postedActivity(params: RouteParams): { conversation: EmulatedConversation; log: ActivityLog; activityId: string } | Reply {
    const conversationId = params.conversationId ?? '';
    const activityId = params.activityId ?? '';
    const conversation = this.options.state.resolve(conversationId);
    const refused = this.refuse(conversation, params);
    if (refused !== undefined || conversation === undefined) return refused ?? teamsErrors.conversationNotFound();
    const log = this.options.state.existingLog(conversationId);
    if (log?.get(activityId) === undefined) return teamsErrors.activityNotFound();
    return this.throttle(conversation) ?? { conversation, log, activityId };
  }

  private members(_exchange: IncomingExchange, params: RouteParams): Reply {
    const conversation = this.options.state.resolve(params.conversationId ?? '');
    // Reading the roster is not posting: a user's block does not stop it.
    const refused = this.refuse(conversation, params, { allowBlocked: true });
    if (refused !== undefined || conversation === undefined) return refused ?? teamsErrors.conversationNotFound();
    // Roster reads have their own limits in Teams: they never use up the send windows.
    const throttled = this.throttle(conversation, 'members');
    if (throttled !== undefined) return throttled;
    return jsonReply(
      200,
      conversation.members.map((member) => channelAccount(member, conversation.tenantId)),
    );
  }

  /** The conversation-level refusals, in Teams' order. */
  private refuse(conversation: EmulatedConversation | undefined, params: RouteParams, options: { allowBlocked?: boolean } = {}): Reply | undefined {
    if (conversation === undefined || isDeleted(conversation)) return teamsErrors.conversationNotFound();
    const tenant = this.options.state.tenant(conversation.tenantId);
    if (tenant.cloud === 'gcc' && params.region?.toLowerCase() !== gccRegion) return teamsErrors.invalidBotApiHost();
    if (tenant.disabled) return teamsErrors.botDisabledByAdmin();
    if (!isInstalled(conversation)) return teamsErrors.botNotInConversationRoster();
    if (conversation.team?.archived === true && options.allowBlocked !== true) return teamsErrors.teamArchived();
    if (conversation.blocked && options.allowBlocked !== true) return teamsErrors.conversationBlockedByUser();
    return undefined;
  }

  /** Per bot per conversation windows, then the per app per tenant window; a refusal counts nowhere. */
  private throttle(conversation: EmulatedConversation, kind: 'send' | 'members' = 'send'): Reply | undefined {
    const now = this.options.now();
    const prefix = kind === 'send' ? '' : `${kind}:`;
    const perConversation = this.options.conversationLimiter.tryAcquire(`${prefix}${conversation.id}`, now);
    const decision = perConversation.allowed ? this.options.tenantLimiter.tryAcquire(`${prefix}${conversation.tenantId}`, now) : perConversation;
    if (decision.allowed) return undefined;
    this.options.stats.recordThrottled();
    return teamsErrors.throttled(decision.retryAfterInSeconds);
  }

  private post(conversation: EmulatedConversation, conversationId: string, activity: Activity, replyToId: string | undefined): string {
    const stored = replyToId === undefined || activity.replyToId !== undefined ? activity : { ...activity, replyToId };
    const newId = () => this.options.messageIds.next(this.options.now());
    const { posted, duplicate } = this.options.state.log(conversationId).post(stored, newId, this.nowIso(), this.mentionsIn(conversation, stored));
    if (duplicate) this.options.stats.recordDuplicate();
    return posted.id;
  }

  /** Recorded with the message as Teams would show it; never a reason to refuse it. */
  private mentionsIn(conversation: EmulatedConversation, activity: Activity): RecordedMention[] {
    const { state } = this.options;
    return recordedMentions(activity, { conversationType: conversation.type, isKnownUser: (id) => state.isKnownUser(conversation.tenantId, id) });
  }

  private parseBody(exchange: IncomingExchange): { body: Activity } | Reply {
    // Teams counts a message's size in UTF-16: two bytes per code unit.
    if (exchange.bodyText.length * 2 > this.options.limits().messageSizeLimitInBytes) return teamsErrors.messageSizeTooBig();
    let body: unknown;
    try {
      body = JSON.parse(exchange.bodyText);
    } catch {
      return teamsErrors.badArgument('The request body is not valid JSON.');
    }
    const record = asRecord(body);
    return record === undefined ? teamsErrors.badArgument('The request body must be a JSON object.') : { body: record };
  }

  private validateActivity(activity: Activity): Reply | undefined {
    const type = activity.type;
    if (typeof type !== 'string' || type === '') return teamsErrors.badArgument('Activity.Type field is required');
    if (!postableTypes.has(type)) return teamsErrors.badArgument(`Unknown activity type '${type}'.`);
    const fromId = asRecord(activity.from)?.id;
    if (typeof fromId !== 'string' || fromId === '') return teamsErrors.badArgument('Activity.From field is required');
    if (fromId !== `28:${this.options.appId}`) return teamsErrors.forbiddenSender();
    if (activity.attachments !== undefined && !Array.isArray(activity.attachments)) return teamsErrors.badArgument('Activity.Attachments must be an array.');
    if (type === 'message') {
      const hasText = typeof activity.text === 'string' && activity.text.trim() !== '';
      const hasAttachments = Array.isArray(activity.attachments) && activity.attachments.length > 0;
      if (!hasText && !hasAttachments) return teamsErrors.badArgument('Message has no content: text or attachments are required.');
    }
    return undefined;
  }

  private nowIso(): string {
    return new Date(this.options.now()).toISOString();
  }
}

function immediateFault(fault: ConnectorFault, nowInMs: number): Reply | undefined {
  switch (fault) {
    case '429NoRetryAfter':
      return teamsErrors.throttledWithoutRetryAfter();
    case '429HttpDate':
      // HTTP-dates have whole seconds: two seconds ahead is at least one second of wait.
      return teamsErrors.throttledUntil(new Date(nowInMs + 2000));
    case '502Html':
      return teamsErrors.badGatewayHtml();
    case '503Empty':
      return teamsErrors.serviceUnavailableEmpty();
    case '429':
      return teamsErrors.throttled(1);
    case '500':
    case '502':
      return teamsErrors.serviceError(fault === '500' ? 500 : 502);
    case '503':
      return teamsErrors.serviceUnavailable();
    case '504':
      return teamsErrors.gatewayTimeout();
    case '412':
      return teamsErrors.preconditionFailed();
    case '401':
      return teamsErrors.unauthorized();
    case 'hung':
      return { status: 0, drop: 'hang' };
    case 'slow':
    case 'reset':
      return undefined;
  }
}

function channelAccount(member: TeamsUser, tenantId: string): Record<string, unknown> {
  const [givenName = member.name, ...rest] = member.name.split(' ');
  const mailbox = `${member.name.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.|\.$/g, '') || member.aadObjectId}@emulator.example`;
  return {
    id: member.id,
    name: member.name,
    aadObjectId: member.aadObjectId,
    givenName,
    surname: rest.join(' ') || null,
    email: mailbox,
    userPrincipalName: mailbox,
    tenantId,
    userRole: 'user',
  };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
