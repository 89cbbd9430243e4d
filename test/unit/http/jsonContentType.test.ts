import { checkJsonContentType } from '../../../shared/http/jsonContentType';

describe('checkJsonContentType', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON ;charset=UTF-8'])('accepts %s', (type) => {
    expect(checkJsonContentType(new Headers({ 'content-type': type }))).toBeUndefined();
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x'], [undefined]])('refuses %s with 415 naming the header', (type) => {
    const error = checkJsonContentType(new Headers(type === undefined ? {} : { 'content-type': type }));
    expect(error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', details: [{ path: 'content-type' }] });
  });
});
