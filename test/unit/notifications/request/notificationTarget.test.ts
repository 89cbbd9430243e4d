import { formatJsonPath } from '../../../../shared/notifications/request/jsonPath';
import { parseNotificationTarget, targetAsGiven } from '../../../../shared/notifications/request/notificationTarget';
import { tenantId, userId } from '../notificationFixtures';

function problems(raw: unknown): { path: string; message: string }[] {
  const result = parseNotificationTarget(raw, ['targets', 2]);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.target)}`);
  return result.issues.map((issue) => ({ path: formatJsonPath(issue.path), message: issue.message }));
}

describe('parseNotificationTarget', () => {
  it.each([
    [{ conversationId: 'a:1' }, { kind: 'conversation', conversationId: 'a:1' }],
    [{ userId, tenantId }, { kind: 'user', userId, tenantId }],
    [{ teamId: '19:t' }, { kind: 'team', teamId: '19:t' }],
    [{ teamId: '19:t', channelId: '19:c' }, { kind: 'team', teamId: '19:t', channelId: '19:c' }],
    [{ tenantId, scope: 'all' }, { kind: 'tenant', tenantId, scope: 'all' }],
    [{ tenantId, scope: 'groupChat' }, { kind: 'tenant', tenantId, scope: 'groupChat' }],
  ])('accepts %j', (raw, expected) => {
    const result = parseNotificationTarget(raw, ['targets', 0]);
    expect(result).toEqual({ ok: true, target: expected });
    // And gives back exactly what the caller wrote.
    expect(result.ok && targetAsGiven(result.target)).toEqual(raw);
  });

  it.each<[string, unknown, { path: string; message: RegExp }[]]>([
    ['a string', 'a:1', [{ path: 'targets[2]', message: /^A target must be an object: a conversation target \{conversationId\}; a user target/ }]],
    ['an array', [{ conversationId: 'c' }], [{ path: 'targets[2]', message: /must be an object/ }]],
    ['an empty object', {}, [{ path: 'targets[2]', message: /needs the fields of one form/ }]],
    ['only unknown fields', { id: 'c' }, [{ path: 'targets[2].id', message: /Unknown field "id" in a target/ }, { path: 'targets[2]', message: /needs the fields of one form/ }]],
    [
      'a team target with a scope',
      { teamId: '19:t', scope: 'team' },
      [
        { path: 'targets[2]', message: /closest is a team target \{teamId, channelId\?\} \(scope not allowed\)/ },
        { path: 'targets[2].scope', message: /Not allowed in a team target/ },
      ],
    ],
    [
      'a channel without its team',
      { channelId: '19:c' },
      [
        { path: 'targets[2]', message: /closest is a team target \{teamId, channelId\?\} \(missing teamId\)/ },
        { path: 'targets[2].teamId', message: /Required in a team target/ },
      ],
    ],
    [
      'a user id without its tenant',
      { userId },
      [
        { path: 'targets[2]', message: /closest is a user target \{userId, tenantId\} \(missing tenantId\)/ },
        { path: 'targets[2].tenantId', message: /Required in a user target/ },
      ],
    ],
    [
      'two forms mixed',
      { conversationId: 'c', userId, tenantId },
      [
        { path: 'targets[2]', message: /closest is a user target \{userId, tenantId\} \(conversationId not allowed\)/ },
        { path: 'targets[2].conversationId', message: /Not allowed in a user target/ },
      ],
    ],
    ['a tenant alone (user or tenant form)', { tenantId }, [{ path: 'targets[2]', message: /could be a user target \{userId, tenantId\} \(missing userId\), or a tenant target \{tenantId, scope\} \(missing scope\)/ }]],
    ['user and tenant forms at once', { userId, tenantId, scope: 'all' }, [{ path: 'targets[2]', message: /could be a user target .*\(scope not allowed\), or a tenant target .*\(userId not allowed\)/ }]],
    ['an unknown field beside a valid form', { conversationId: 'c', note: 'x' }, [{ path: 'targets[2].note', message: /Unknown field "note"/ }]],
    ['an empty conversation id', { conversationId: '' }, [{ path: 'targets[2].conversationId', message: /conversationId must not be empty/ }]],
    ['an over-long conversation id', { conversationId: 'a'.repeat(301) }, [{ path: 'targets[2].conversationId', message: /is 301 bytes \(UTF-8\); at most 300 can be stored/ }]],
    ['a conversation id with a line separator', { conversationId: 'a:1\u2028x' }, [{ path: 'targets[2].conversationId', message: /contains U\+2028 at position 3/ }]],
    ['a team id with a control character', { teamId: '19:x\u0000@thread.tacv2' }, [{ path: 'targets[2].teamId', message: /contains U\+0000/ }]],
    ['a channel id with a lone surrogate', { teamId: '19:x@thread.tacv2', channelId: '19:\ud800@thread.tacv2' }, [{ path: 'targets[2].channelId', message: /contains U\+D800/ }]],
    ['a null channel id', { teamId: '19:t', channelId: null }, [{ path: 'targets[2].channelId', message: /channelId must be a string/ }]],
    ['a non-GUID tenant', { tenantId: 'contoso.onmicrosoft.com', scope: 'all' }, [{ path: 'targets[2].tenantId', message: /tenantId must be a GUID/ }]],
    ['a Teams user id for userId', { userId: '29:1abc', tenantId }, [{ path: 'targets[2].userId', message: /Entra object id.*must be a GUID/ }]],
    ['a bad scope', { tenantId, scope: 'channel' }, [{ path: 'targets[2].scope', message: /^scope must be one of personal, groupChat, team, all$/ }]],
  ])('rejects %s precisely', (_name, raw, expected) => {
    expect(problems(raw)).toEqual(expected.map(({ path, message }) => ({ path, message: expect.stringMatching(message) })));
  });
});
