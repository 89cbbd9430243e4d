import { type ConsoleDependencies } from './consoleDependencies';
import { fetchUpstreamJson, type UpstreamJson } from './upstreamRequests';

/** The page polls; a long address book is paged (200 a page) and cut at this many. */
const maxConversationPages = 5;
const conversationPageSize = 200;
/** The page asks for the notifications it has seen; more than this in one poll is refused. */
export const maxSnapshotNotifications = 25;

/** What the page asks for: the conversation whose Teams-side messages to show, and notifications to report. */
export interface SnapshotQuery {
  conversationId?: string;
  notificationIds: string[];
}

/**
 * Everything the page shows, gathered in one request per poll (one log line, one consistent moment) from the
 * gateway's API, the emulator's control API and the in-process queue. Parts that fail carry their error.
 */
export interface ConsoleSnapshot {
  at: string;
  gateway: {
    url: string;
    health: UpstreamJson;
    conversations: unknown[];
    /** More conversations exist than were read. */
    conversationsTruncated: boolean;
    conversationsError?: UpstreamJson;
  };
  notifications: { id: string; status: number; body: unknown }[];
  /** Absent when no emulator runs (real bot settings). */
  emulator?: {
    url: string;
    conversations: unknown[];
    stats?: unknown;
    faults?: unknown;
    error?: UpstreamJson;
    /** Messages of `query.conversationId` as the emulator received them. */
    activities?: { conversationId: string; status: number; body: unknown };
  };
  queue?: unknown;
}

export function parseSnapshotQuery(query: URLSearchParams): SnapshotQuery {
  const conversationId = query.get('conversation') ?? '';
  const notificationIds = (query.get('notifications') ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '')
    .slice(0, maxSnapshotNotifications);
  return { ...(conversationId === '' ? {} : { conversationId }), notificationIds };
}

export async function readConsoleSnapshot(query: SnapshotQuery, deps: ConsoleDependencies): Promise<ConsoleSnapshot> {
  const api = `${deps.gatewayUrl.replace(/\/+$/, '')}/api`;
  const [health, conversations, notifications, emulator] = await Promise.all([
    fetchUpstreamJson(`${api}/health`),
    readGatewayConversations(api),
    Promise.all(
      query.notificationIds.map(async (id) => {
        const answer = await fetchUpstreamJson(`${api}/notifications/${encodeURIComponent(id)}`);
        return { id, status: answer.status, body: answer.body };
      }),
    ),
    deps.emulatorUrl === undefined ? Promise.resolve(undefined) : readEmulator(deps.emulatorUrl, query.conversationId),
  ]);
  const snapshot: ConsoleSnapshot = {
    at: new Date().toISOString(),
    gateway: { url: deps.gatewayUrl, health, ...conversations },
    notifications,
  };
  if (emulator !== undefined) snapshot.emulator = emulator;
  const queue = deps.queueCounts();
  if (queue !== undefined) snapshot.queue = queue;
  return snapshot;
}

async function readGatewayConversations(api: string): Promise<Pick<ConsoleSnapshot['gateway'], 'conversations' | 'conversationsTruncated' | 'conversationsError'>> {
  const conversations: unknown[] = [];
  let continuationToken: string | undefined;
  for (let page = 0; page < maxConversationPages; page++) {
    const token = continuationToken === undefined ? '' : `&continuationToken=${encodeURIComponent(continuationToken)}`;
    const answer = await fetchUpstreamJson(`${api}/conversations?pageSize=${conversationPageSize}${token}`);
    const body = answer.body as { items?: unknown; continuationToken?: unknown } | undefined;
    if (answer.status !== 200 || !Array.isArray(body?.items)) {
      return { conversations, conversationsTruncated: false, conversationsError: answer };
    }
    conversations.push(...(body.items as unknown[]));
    continuationToken = typeof body.continuationToken === 'string' ? body.continuationToken : undefined;
    if (continuationToken === undefined) return { conversations, conversationsTruncated: false };
  }
  return { conversations, conversationsTruncated: true };
}

async function readEmulator(emulatorUrl: string, conversationId: string | undefined): Promise<NonNullable<ConsoleSnapshot['emulator']>> {
  const control = `${emulatorUrl.replace(/\/+$/, '')}/_control`;
  const [conversations, stats, faults, activities] = await Promise.all([
    fetchUpstreamJson(`${control}/conversations`),
    fetchUpstreamJson(`${control}/stats`),
    fetchUpstreamJson(`${control}/faults`),
    conversationId === undefined ? Promise.resolve(undefined) : fetchUpstreamJson(`${control}/conversations/${encodeURIComponent(conversationId)}/activities`),
  ]);
  const list = (conversations.body as { conversations?: unknown } | undefined)?.conversations;
  const emulator: NonNullable<ConsoleSnapshot['emulator']> = { url: emulatorUrl, conversations: Array.isArray(list) ? (list as unknown[]) : [] };
  if (conversations.status !== 200) emulator.error = conversations;
  if (stats.status === 200) emulator.stats = stats.body;
  if (faults.status === 200) emulator.faults = faults.body;
  if (activities !== undefined && conversationId !== undefined) emulator.activities = { conversationId, status: activities.status, body: activities.body };
  return emulator;
}
