import { type LocalSettingsPlan } from '../localSettings';
import { type LocalFunctionHost } from './localFunctionHost';

export interface BannerFacts {
  plan: LocalSettingsPlan;
  host: Pick<LocalFunctionHost, 'url' | 'httpRoutes' | 'triggers' | 'unservedTriggers'> & Partial<Pick<LocalFunctionHost, 'timers'>>;
  bot: { appId: string; appType: string };
  /** Present when the Teams emulator runs. */
  emulator?: { url: string; caPath: string | undefined };
  /** Present when Azurite runs. */
  azurite?: { port: number; persistDir?: string };
  queue?: { lockDurationInMs: number; maxDeliveryCount: number; duplicateDetectionWindowInMs: number };
  /** The conversation installed at start, when there is one. */
  demo?: { conversationId: string; tenantId: string; userName: string; userAadObjectId: string; gatewayStatuses: readonly number[] };
}

/** The first line to wait for: everything is up and the printed commands work. */
export const readyLine = 'Ready. Ctrl-C stops everything.';

/**
 * What `npm start` prints: what runs where (embedded or from the environment), the functions, and copy-paste
 * commands for a first notification. Never a secret: the bot is named by its app id only.
 */
export function startupBanner(facts: BannerFacts): string[] {
  const { plan, host } = facts;
  const tag = (embedded: boolean): string => (embedded ? '[embedded]' : '[from environment]');
  const lines = ['', 'Teams notification gateway: local host', ''];
  const routes = [...host.httpRoutes].sort((a, b) => a.path.localeCompare(b.path)).map((route) => `${route.methods.join('|')} ${route.path}`);
  lines.push(`  gateway   ${host.url}  (HTTP functions: ${routes.length})`);
  for (const route of routes) lines.push(`              ${route}`);
  lines.push('            function keys are not checked locally (authLevel is ignored, as with func start); loopback only');
  lines.push(`  console   ${host.url}/`);

  if (facts.emulator !== undefined) {
    lines.push(`  Teams     emulator ${facts.emulator.url}  control API ${facts.emulator.url}/_control  ${tag(true)}`);
  } else {
    lines.push(`  Teams     the real Bot Framework / Teams (MicrosoftAppId is set); no emulator  ${tag(false)}`);
  }
  lines.push(`  bot       ${facts.bot.appId} (${facts.bot.appType})  ${tag(plan.bot.source === 'embedded')}`);
  if (plan.bot.source === 'embedded' && plan.bot.overridden.length > 0) {
    lines.push(`            ignored without MicrosoftAppId: ${plan.bot.overridden.join(', ')}`);
  }
  if (facts.demo !== undefined) lines.push(`  tenant    ${facts.demo.tenantId}`);

  if (plan.tables.source === 'environment') lines.push(`  tables    ${plan.tables.description}  ${tag(false)}`);
  else if (facts.azurite !== undefined) {
    const where = facts.azurite.persistDir === undefined ? 'in memory (nothing kept after Ctrl-C; --persist keeps it)' : `on disk in ${facts.azurite.persistDir}`;
    lines.push(`  tables    Azurite http://127.0.0.1:${facts.azurite.port}  ${where}  ${tag(true)}`);
  }

  if (plan.queue.source === 'environment') {
    lines.push(`  queue     Azure Service Bus, ${plan.queue.description}, for sending  ${tag(false)}`);
    if (host.unservedTriggers.length > 0) lines.push(`            not run here: ${host.unservedTriggers.join(', ')}; their Service Bus triggers need func start`);
  } else if (plan.queue.source === 'shared') {
    lines.push(`  queue     the shared in-process Service Bus at ${plan.queue.url} (LOCAL_QUEUE_URL)  ${tag(true)}`);
    for (const trigger of host.triggers) {
      lines.push(`              ${trigger.functionName} <- ${trigger.queuePath} (${trigger.maxConcurrent} ${trigger.sessions ? 'sessions' : 'messages'} at once)`);
    }
  } else {
    const q = facts.queue;
    const semantics = q === undefined ? '' : ` (sessions, lock ${q.lockDurationInMs / 1000} s, max ${q.maxDeliveryCount} deliveries, duplicate window ${q.duplicateDetectionWindowInMs / 60_000} min)`;
    lines.push(`  queue     in-process Service Bus${semantics}  ${tag(true)}`);
    for (const trigger of host.triggers) {
      lines.push(`              ${trigger.functionName} <- ${trigger.queuePath} (${trigger.maxConcurrent} ${trigger.sessions ? 'sessions' : 'messages'} at once)`);
    }
  }
  for (const timer of host.timers ?? []) lines.push(`  timer     ${timer.functionName} on NCRONTAB "${timer.schedule}" (UTC)`);
  if (plan.callbacks === 'environment') lines.push(`  callbacks CallbackAllowedHosts and CallbackSigningSecret  ${tag(false)}`);
  else if (facts.emulator !== undefined) lines.push(`  callbacks to this machine, signed with the development secret; receiver ${facts.emulator.url}/callbacks/{name}  ${tag(true)}`);

  if (facts.demo !== undefined) {
    const demo = facts.demo;
    lines.push(`  demo      personal chat with ${demo.userName} (user ${demo.userAadObjectId}), installed at start`);
    lines.push(`            conversation ${demo.conversationId}`);
    if (demo.gatewayStatuses.some((status) => status !== 200)) {
      lines.push(`            warning: the gateway answered the install with ${demo.gatewayStatuses.join(', ')} (expected 200s); see the log above`);
    }
  }
  lines.push('', ...firstSteps(facts), '', readyLine);
  return lines;
}

function firstSteps(facts: BannerFacts): string[] {
  const { host, demo, emulator } = facts;
  const notifications = host.httpRoutes.find((route) => route.methods.includes('POST') && /\/notifications$/.test(route.path));
  const conversations = host.httpRoutes.find((route) => route.methods.includes('GET') && /\/conversations$/.test(route.path));
  const steps: string[] = [];
  if (notifications === undefined) {
    steps.push('No POST .../notifications function is registered yet (functions/gatewayFunctions.ts), so there is no notification to send.');
  } else if (demo !== undefined) {
    const body = JSON.stringify({ targets: [{ conversationId: demo.conversationId }], message: { text: 'Hello from the notification gateway' } });
    steps.push('Send a first notification to the demo chat:');
    steps.push(`  curl -sS -X POST ${host.url}${notifications.path} -H 'content-type: application/json' -d ${shellQuote(body)}`);
    steps.push(`  (or to the user, stable across runs: {"targets":[{"userId":"${demo.userAadObjectId}","tenantId":"${demo.tenantId}"}], ...})`);
  } else {
    steps.push('Send a notification to a conversation the gateway knows (list them first):');
    if (conversations !== undefined) steps.push(`  curl -sS '${host.url}${conversations.path}'`);
    steps.push(`  curl -sS -X POST ${host.url}${notifications.path} -H 'content-type: application/json' -d '{"targets":[{"conversationId":"<id>"}],"message":{"text":"Hello"}}'`);
  }
  if (emulator !== undefined && demo !== undefined) {
    const cacert = emulator.caPath === undefined ? '-k' : `--cacert ${shellQuote(emulator.caPath)}`;
    steps.push('See what Teams shows in that chat:');
    steps.push(`  curl -sS ${cacert} ${emulator.url}/_control/conversations/${encodeURIComponent(demo.conversationId)}/activities`);
  }
  return steps;
}

/** One POSIX shell word, single-quoted. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
