import { EmulatorRouter } from '../../../dev/teamsEmulator/emulatorRouter';
import { jsonReply, parseTarget } from '../../../dev/teamsEmulator/httpExchange';
import { MessageIdClock } from '../../../dev/teamsEmulator/teamsIds';

describe('parseTarget', () => {
  it('decodes each segment exactly once, keeping encoded slashes inside one segment', () => {
    const id = 'a:1/odd#id?x=1;messageid=5@thread';
    const target = parseTarget(`/amer/v3/conversations/${encodeURIComponent(id)}/activities?x=1`);
    expect(target?.segments).toEqual(['amer', 'v3', 'conversations', id, 'activities']);
    expect(target?.query.get('x')).toBe('1');
  });

  it('does not decode twice', () => {
    expect(parseTarget('/x/%2541')?.segments).toEqual(['x', '%41']);
  });

  it('refuses malformed percent-encoding', () => {
    expect(parseTarget('/x/%E0%A4%A')).toBeUndefined();
  });
});

describe('EmulatorRouter', () => {
  const router = new EmulatorRouter()
    .add('GET', '/_control/stats', () => jsonReply(200, 'stats'))
    .add('POST', '/{region}/v3/conversations/{conversationId}/activities', (_e, p) => jsonReply(201, p))
    .add('POST', '/v3/conversations/{conversationId}/activities', (_e, p) => jsonReply(201, p));

  it('binds parameters and prefers the first route that fits', () => {
    const match = router.match('POST', ['emea', 'v3', 'conversations', 'a:1/x', 'activities']);
    expect(match !== undefined && 'route' in match && match.params).toEqual({ region: 'emea', conversationId: 'a:1/x' });
    const bare = router.match('POST', ['v3', 'conversations', 'a:1', 'activities']);
    expect(bare !== undefined && 'route' in bare && bare.route.template).toBe('/v3/conversations/{conversationId}/activities');
  });

  it('matches literals case-insensitively', () => {
    expect(router.match('GET', ['_CONTROL', 'Stats'])).toBeDefined();
  });

  it('tells an unknown path from a known path with another method', () => {
    expect(router.match('GET', ['nowhere'])).toBeUndefined();
    expect(router.match('DELETE', ['_control', 'stats'])).toEqual({ methodNotAllowed: true, template: '/_control/stats' });
  });
});

describe('MessageIdClock', () => {
  it('uses epoch milliseconds and stays unique when the clock stands still or steps back', () => {
    const ids = new MessageIdClock();
    expect(ids.next(1_700_000_000_000)).toBe('1700000000000');
    expect(ids.next(1_700_000_000_000)).toBe('1700000000001');
    expect(ids.next(1_600_000_000_000)).toBe('1700000000002');
    expect(ids.next(1_800_000_000_000)).toBe('1800000000000');
  });
});
