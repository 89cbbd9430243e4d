import { encodeListToken, parseNotificationListQuery } from '../../../../shared/notifications/status/notificationListQuery';

const parse = (query: string) => parseNotificationListQuery(new URLSearchParams(query));

describe('the list query', () => {
  it('reads the filters, normalises times to UTC and ignores other parameters', () => {
    expect(parse('code=key')).toEqual({ ok: true, value: { pageSize: 25 } });
    expect(parse('createdAfter=2026-03-01T10:00:00%2B02:00&createdBefore=2026-03-02T00:00:00Z&status=failed,completed,failed&tag=payments/api&pageSize=100')).toEqual({
      ok: true,
      value: { createdAfter: '2026-03-01T08:00:00.000Z', createdBefore: '2026-03-02T00:00:00.000Z', statuses: ['completed', 'failed'], tag: 'payments/api', pageSize: 100 },
    });
  });

  it('names every bad parameter', () => {
    const result = parse('createdAfter=monday&status=completed,done&tag=-x&pageSize=0&continuationToken=');

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.details.map((detail) => detail.path).sort()).toEqual(['continuationToken', 'createdAfter', 'pageSize', 'status', 'tag']);
  });

  it('accepts a token only with the filters it was made for', () => {
    const query = { tag: 'svc', statuses: ['failed' as const], pageSize: 25 };
    const token = encodeListToken('7000000000000.n-1', query);

    expect(parse(`tag=svc&status=failed&continuationToken=${token}`)).toEqual({ ok: true, value: { ...query, after: '7000000000000.n-1' } });
    // Page size is not a filter: a caller may change it between pages.
    expect(parse(`tag=svc&status=failed&pageSize=5&continuationToken=${token}`)).toMatchObject({ ok: true });
    for (const other of ['tag=svc', 'tag=svc&status=completed', `tag=svc&status=failed&createdAfter=2026-01-01T00:00:00Z`]) {
      expect(parse(`${other}&continuationToken=${token}`)).toMatchObject({ ok: false, error: { details: [{ path: 'continuationToken' }] } });
    }
    const forged = Buffer.from(JSON.stringify({ a: "x' or true", q: 'y' })).toString('base64url');
    expect(parse(`continuationToken=${forged}`)).toMatchObject({ ok: false, error: { details: [{ path: 'continuationToken' }] } });
  });

  it('refuses an empty window', () => {
    expect(parse('createdAfter=2026-03-02T00:00:00Z&createdBefore=2026-03-02T00:00:00Z')).toMatchObject({ ok: false, error: { details: [{ path: 'createdBefore' }] } });
  });
});
