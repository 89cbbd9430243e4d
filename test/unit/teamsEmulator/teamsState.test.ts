import { ActivityLog, conversationStatus, type EmulatedConversation, TeamsState } from '../../../dev/teamsEmulator/teamsState';

const nowIso = '2026-01-01T00:00:00.000Z';

function conversation(overrides: Partial<EmulatedConversation>): EmulatedConversation {
  return {
    id: 'a:1abc',
    type: 'personal',
    tenantId: 'tenant-1',
    serviceUrl: 'https://127.0.0.1:1/amer/',
    locale: 'en-US',
    user: { id: '29:1user', aadObjectId: 'AAD-1', name: 'Ada' },
    members: [],
    installed: true,
    blocked: false,
    deleted: false,
    createdAt: nowIso,
    changedAt: nowIso,
    ...overrides,
  };
}

describe('ActivityLog', () => {
  let nextId = 0;
  const newId = (): string => String(1_700_000_000_000 + nextId++);

  it('gives each new message its own id', () => {
    const log = new ActivityLog();
    const a = log.post({ type: 'message', text: 'one' }, newId, nowIso);
    const b = log.post({ type: 'message', text: 'two' }, newId, nowIso);
    expect(a.posted.id).not.toBe(b.posted.id);
    expect(log.activities.map((p) => p.activity.text)).toEqual(['one', 'two']);
  });

  it('counts an identical payload as the same message arriving again, ignoring id and timestamps', () => {
    const log = new ActivityLog();
    const first = log.post({ type: 'message', text: 'same', timestamp: 't1' }, newId, nowIso);
    const again = log.post({ type: 'message', text: 'same', timestamp: 't2', id: 'client-id' }, newId, nowIso);
    expect(again.duplicate).toBe(true);
    expect(again.posted.id).toBe(first.posted.id);
    expect(log.activities).toHaveLength(1);
    expect(log.activities[0]?.receivedCount).toBe(2);
  });

  it('applies updates and deletes, and refuses both for unknown or deleted ids', () => {
    const log = new ActivityLog();
    const { posted } = log.post({ type: 'message', text: 'v1' }, newId, nowIso);
    expect(log.update(posted.id, { type: 'message', text: 'v2' }, nowIso)?.activity.text).toBe('v2');
    expect(posted.updateCount).toBe(1);
    expect(log.update('nope', { type: 'message', text: 'x' }, nowIso)).toBeUndefined();
    expect(log.delete(posted.id, nowIso)).toBe(true);
    expect(log.delete(posted.id, nowIso)).toBe(false);
    expect(log.get(posted.id)).toBeUndefined();
    expect(log.activities[0]?.deleted).toBe(true);
  });

  it('treats a payload identical to a deleted message as a new message', () => {
    const log = new ActivityLog();
    const first = log.post({ type: 'message', text: 'again' }, newId, nowIso);
    log.delete(first.posted.id, nowIso);
    const second = log.post({ type: 'message', text: 'again' }, newId, nowIso);
    expect(second.duplicate).toBe(false);
    expect(log.activities).toHaveLength(2);
  });
});

describe('TeamsState', () => {
  it('resolves a channel thread id to its channel, but not for other conversation types', () => {
    const state = new TeamsState();
    state.add(conversation({ id: '19:chan@thread.tacv2', type: 'channel' }));
    state.add(conversation({ id: '19:chat@thread.v2', type: 'groupChat' }));
    expect(state.resolve('19:chan@thread.tacv2;messageid=1700000000000')?.id).toBe('19:chan@thread.tacv2');
    expect(state.resolve('19:chat@thread.v2;messageid=1')).toBeUndefined();
    expect(state.resolve('19:unknown@thread.tacv2;messageid=1')).toBeUndefined();
  });

  it('keeps one 29: id per Entra user and tenant', () => {
    const state = new TeamsState();
    const a = state.user('t1', 'AAD-1', 'Ada');
    expect(state.user('t1', 'aad-1', undefined).id).toBe(a.id);
    expect(state.user('t2', 'AAD-1', 'Ada').id).not.toBe(a.id);
    expect(a.id.startsWith('29:1')).toBe(true);
  });

  it("finds a user's personal chat by 29: id or Entra object id, in the right tenant only", () => {
    const state = new TeamsState();
    state.add(conversation({}));
    expect(state.findPersonal('tenant-1', '29:1user')?.id).toBe('a:1abc');
    expect(state.findPersonal('tenant-1', 'aad-1')?.id).toBe('a:1abc');
    expect(state.findPersonal('tenant-1', '8:orgid:AAD-1')?.id).toBe('a:1abc');
    expect(state.findPersonal('tenant-2', '29:1user')).toBeUndefined();
  });

  it('reports status with deleted over uninstalled over blocked', () => {
    expect(conversationStatus(conversation({}))).toBe('active');
    expect(conversationStatus(conversation({ blocked: true }))).toBe('blocked');
    expect(conversationStatus(conversation({ blocked: true, installed: false }))).toBe('uninstalled');
    expect(conversationStatus(conversation({ installed: false, deleted: true }))).toBe('deleted');
  });
});
