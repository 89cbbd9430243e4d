import fc from 'fast-check';

import { conversationEntityKeys, decodeKeyPart, encodeKeyPart, prefixRange } from '../../../shared/store/tableKeyEncoding';

/** Characters Azure Tables and Azurite refuse in PartitionKey / RowKey (plus `%`, decoded inconsistently). */
const forbiddenInKeys = {
  test: (key: string): boolean => [...key].some((c) => '/\\#?%'.includes(c) || c.charCodeAt(0) <= 0x1f || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f)),
};

describe('Table key encoding', () => {
  it.each([
    'a:1Wq2yPmG0Rz3-_x',
    '19:3f2a9c@thread.tacv2',
    '19:3f2a9c@thread.tacv2;messageid=1699999999999',
    '29:1AbC-dEf_gh',
    '19:meeting_MzQ@thread.v2',
    'a/b\\c#d?e%2Ff',
    "it's \"quoted\"",
    'tab\there\u0001\u007f\u0085',
    'ünïcödé 🚀',
  ])('round-trips %j exactly, with nothing a Table key refuses', (id) => {
    const encoded = encodeKeyPart(id);
    expect(forbiddenInKeys.test(encoded)).toBe(false);
    expect(forbiddenInKeys.test(id)).toBe(/[/\\#?%]/.test(id) || id.includes('\t'));
    expect(encoded).not.toContain('.');
    expect(decodeKeyPart(encoded)).toBe(id);
    expect(conversationEntityKeys(id).partitionKey).toBe(encoded);
  });

  it('round-trips any well-formed string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (id) => {
        const encoded = encodeKeyPart(id);
        return !forbiddenInKeys.test(encoded) && decodeKeyPart(encoded) === id;
      }),
    );
  });

  it('gives different ids different keys (property)', () => {
    const wellFormed = fc.string({ unit: 'grapheme', maxLength: 50 });
    fc.assert(fc.property(wellFormed, wellFormed, (a, b) => a === b || encodeKeyPart(a) !== encodeKeyPart(b)));
  });

  it('refuses to decode something that is not base64url', () => {
    expect(() => decodeKeyPart('a/b')).toThrow(/Not an encoded key part/);
  });

  it('a prefix range holds exactly the keys that start with the prefix', () => {
    const { from, to } = prefixRange('c.personal.');
    const inRange = (key: string): boolean => key >= from && key < to;
    expect(inRange(`c.personal.${encodeKeyPart('a:1xyz')}`)).toBe(true);
    expect(inRange(`c.personal.${encodeKeyPart('\u{10ffff}')}`)).toBe(true);
    expect(inRange('c.personal')).toBe(false);
    expect(inRange(`c.groupChat.${encodeKeyPart('a')}`)).toBe(false);
  });
});
