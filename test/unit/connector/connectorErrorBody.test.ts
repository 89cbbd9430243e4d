import { parseConnectorErrorBody } from '../../../shared/connector/connectorErrorBody';

describe('parseConnectorErrorBody', () => {
  it("reads Teams' {error:{code,message}}", () => {
    expect(parseConnectorErrorBody('{"error":{"code":"BotNotInConversationRoster","message":"The bot is not part of the conversation roster."}}')).toEqual({
      code: 'BotNotInConversationRoster',
      message: 'The bot is not part of the conversation roster.',
    });
  });

  it("reads the Connector's plain 401 body", () => {
    expect(parseConnectorErrorBody('{"message":"Authorization has been denied for this request."}')).toEqual({
      message: 'Authorization has been denied for this request.',
    });
  });

  it('reads a flat {code,message}', () => {
    expect(parseConnectorErrorBody('{"code":"BadArgument","message":"Unknown activity type"}')).toEqual({ code: 'BadArgument', message: 'Unknown activity type' });
  });

  it('keeps an excerpt of a non-JSON body (a proxy error page)', () => {
    expect(parseConnectorErrorBody('<html>502 Bad Gateway</html>')).toEqual({ message: '<html>502 Bad Gateway</html>' });
  });

  it('bounds a very long message', () => {
    expect(parseConnectorErrorBody(JSON.stringify({ message: 'x'.repeat(5_000) })).message).toHaveLength(1_000);
  });

  it.each([undefined, '', '   ', '{}', '{"error":{}}'])('finds nothing in %j', (body) => {
    expect(parseConnectorErrorBody(body)).toEqual({});
  });
});
