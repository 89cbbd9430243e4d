import { formatJsonPath } from '../../../../shared/notifications/request/jsonPath';

describe('formatJsonPath', () => {
  it.each<[(string | number)[], string]>([
    [[], ''],
    [['targets'], 'targets'],
    [['targets', 2, 'tenantId'], 'targets[2].tenantId'],
    [['message', 'card', 'body', 0, 'type'], 'message.card.body[0].type'],
    [['message', 'card', '$schema'], 'message.card.$schema'],
    [['a', 'b c', 'd.e', ''], 'a["b c"]["d.e"][""]'],
    [[0, 'x'], '[0].x'],
  ])('%j → %s', (segments, path) => {
    expect(formatJsonPath(segments)).toBe(path);
  });
});
