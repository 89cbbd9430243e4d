import { errorCodes, GatewayError } from '../../../shared/errors';
import { conversationIdFromPath } from '../../../shared/http/conversationIdFromPath';
import { parseConversationListQuery } from '../../../shared/http/conversationListQuery';

function badRequest(act: () => unknown): GatewayError {
  try {
    act();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected BAD_REQUEST');
}

describe('conversation id from the path', () => {
  it.each(['a:1Wq2-_x', '19:abc@thread.tacv2;messageid=1699999999999', 'a/b#c?d', '50%', 'ünï'])('decodes %j once from the raw URL', (id) => {
    const url = `https://gw.example/api/conversations/${encodeURIComponent(id)}?code=key`;
    expect(conversationIdFromPath(url, 'ignored')).toBe(id);
  });

  it('keeps an encoded slash that a host left encoded in the route value', () => {
    expect(conversationIdFromPath('http://127.0.0.1:7071/api/conversations/a%2Fb', 'a%2Fb')).toBe('a/b');
  });

  it('refuses broken percent-encoding and an empty id', () => {
    expect(badRequest(() => conversationIdFromPath('http://h/api/conversations/%E0%A4%A', undefined)).code).toBe(errorCodes.BadRequest);
    expect(badRequest(() => conversationIdFromPath('http://h/api/conversations/', undefined)).details[0]?.path).toBe('id');
  });
});

describe('conversation list query', () => {
  it('reads filters and paging, ignoring the function key', () => {
    const tenantId = '5e2f7c1a-3b4d-4e6f-8a9b-0c1d2e3f4a5b';
    const userId = '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const query = new URLSearchParams({ tenantId, userId: userId.toUpperCase(), status: 'active', pageSize: '25', continuationToken: 'abc', code: 'function-key' });
    // Lower-cased, as Teams sends Entra ids and the store looks them up.
    expect(parseConversationListQuery(query)).toEqual({ filter: { tenantId, userId, status: 'active' }, page: { pageSize: 25, continuationToken: 'abc' } });
  });

  it('an empty query lists everything from the start', () => {
    expect(parseConversationListQuery(new URLSearchParams())).toEqual({ filter: {}, page: {} });
  });

  it.each([
    ['status', 'status=gone'],
    ['pageSize', 'pageSize=0'],
    ['pageSize', 'pageSize=ten'],
    ['pageSize', 'pageSize=5000'],
    ['tenantId', 'tenantId='],
    ['tenantId', 'tenantId=contoso'],
    ['userId', 'tenantId=5e2f7c1a-3b4d-4e6f-8a9b-0c1d2e3f4a5b&userId=29:1abc'],
  ])('refuses a bad %s', (path, query) => {
    const error = badRequest(() => parseConversationListQuery(new URLSearchParams(query)));
    expect(error.details.map((d) => d.path)).toContain(path);
  });

  it('names the field and the expected form, as POST /api/notifications does', () => {
    const error = badRequest(() => parseConversationListQuery(new URLSearchParams('tenantId=contoso')));
    expect(error.details).toEqual([{ path: 'tenantId', message: expect.stringContaining('tenantId must be a GUID') }]);
  });
});
