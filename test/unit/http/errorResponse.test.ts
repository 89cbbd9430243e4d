import { errorCodes, GatewayError } from '../../../shared/errors';
import { errorResponse, httpStatusByCode } from '../../../shared/http/errorResponse';

describe('error responses', () => {
  it('answer a GatewayError with its status, code, message and details', () => {
    const response = errorResponse(new GatewayError(errorCodes.BadRequest, 'The body is not an activity.', [{ path: 'serviceUrl', message: 'is required' }]));
    expect(response.status).toBe(400);
    expect(response.jsonBody).toEqual({ error: { code: 'BAD_REQUEST', message: 'The body is not an activity.', details: [{ path: 'serviceUrl', message: 'is required' }] } });
  });

  it.each([
    [errorCodes.Unauthorized, 401],
    [errorCodes.UntrustedServiceUrl, 403],
    [errorCodes.NotFound, 404],
    [errorCodes.Conflict, 409],
    [errorCodes.PayloadTooLarge, 413],
    [errorCodes.StorageUnavailable, 503],
    [errorCodes.ConcurrencyConflict, 503],
  ])('%s is %d', (code, status) => {
    expect(errorResponse(new GatewayError(code, 'x')).status).toBe(status);
    expect(httpStatusByCode[code]).toBe(status);
  });

  it('always carries a details array', () => {
    expect(errorResponse(new GatewayError(errorCodes.NotFound, 'gone')).jsonBody).toEqual({ error: { code: 'NOT_FOUND', message: 'gone', details: [] } });
  });

  it('asks a 503 caller to retry later', () => {
    expect(errorResponse(new GatewayError(errorCodes.StorageUnavailable, 'down')).headers).toMatchObject({ 'retry-after': '5' });
  });

  it('hides the text of unexpected errors, internal errors and configuration problems', () => {
    for (const thrown of [new Error('secret path /etc/x'), 'a string', new GatewayError(errorCodes.Internal, 'stack details')]) {
      const response = errorResponse(thrown);
      expect(response.status).toBe(500);
      expect(JSON.stringify(response.jsonBody)).not.toMatch(/secret|stack|string/);
    }
    const config = errorResponse(new GatewayError(errorCodes.ConfigurationInvalid, 'MicrosoftAppPassword got "hunter2"', [{ path: 'MicrosoftAppPassword', message: 'hunter2' }]));
    expect(config.status).toBe(500);
    expect(JSON.stringify(config.jsonBody)).not.toContain('hunter2');
  });
});
