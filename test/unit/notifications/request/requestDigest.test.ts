import fc from 'fast-check';

import { canonicalJson } from '../../../../shared/notifications/request/canonicalJson';
import { parseNotificationRequest, validateNotificationRequest } from '../../../../shared/notifications/request/notificationRequest';
import { requestDigest } from '../../../../shared/notifications/request/requestDigest';
import { type BodyFixture, now, tenantId, userId, validBody } from '../notificationFixtures';

function digestOf(body: unknown): string {
  const result = validateNotificationRequest(body, now);
  if (!result.ok) throw new Error(`fixture invalid: ${JSON.stringify(result.error.details)}`);
  return requestDigest(result.value);
}

/** The same JSON value with every object's keys in an order drawn from `seed`. */
function reorderKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => reorderKeys(item, seed + i + 1));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  let state = seed >>> 0;
  for (let i = entries.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([key, child], i) => [key, reorderKeys(child, seed * 31 + i)]));
}

const validTarget = fc.oneof(
  fc.record({ conversationId: fc.string({ minLength: 1, maxLength: 40 }) }),
  fc.record({ userId: fc.uuid(), tenantId: fc.uuid() }),
  fc.record({ teamId: fc.string({ minLength: 1, maxLength: 40 }), channelId: fc.string({ minLength: 1, maxLength: 40 }) }, { requiredKeys: ['teamId'] }),
  fc.record({ tenantId: fc.uuid(), scope: fc.constantFrom('personal', 'groupChat', 'team', 'all') }),
);
const text = fc.string({ minLength: 1, maxLength: 80 }).filter((s) => s.trim() !== '');
const validCardArb = fc.record({
  type: fc.constant('AdaptiveCard'),
  version: fc.constantFrom('1.0', '1.2', '1.5'),
  body: fc.array(fc.record({ type: fc.constant('TextBlock'), text, extra: fc.jsonValue({ maxDepth: 3 }) }), { minLength: 1, maxLength: 3 }),
  actions: fc.array(fc.record({ type: fc.constant('Action.Submit'), title: text, data: fc.jsonValue({ maxDepth: 3 }) }), { maxLength: 2 }),
});
const validBodyArb = fc.record(
  {
    id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
    targets: fc.array(validTarget, { minLength: 1, maxLength: 5 }),
    message: fc.record({ text, summary: text, card: validCardArb }, { requiredKeys: ['text'] }),
    sendAt: fc.constant('2025-06-02T00:00:00+01:00'),
    expiresAt: fc.constant('2025-06-03T00:00:00Z'),
  },
  { requiredKeys: ['targets', 'message'] },
);

describe('requestDigest', () => {
  it('is a sha256 of the canonical request', () => {
    expect(digestOf(validBody())).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
  });

  it('does not depend on key order, at any depth (property)', () => {
    fc.assert(
      fc.property(validBodyArb, fc.integer(), (body, seed) => {
        expect(digestOf(reorderKeys(body, seed))).toBe(digestOf(body));
        // Through the text path too: what the HTTP adapter will call.
        const reparsed = parseNotificationRequest(JSON.stringify(reorderKeys(body, seed + 1)), now);
        expect(reparsed.ok && requestDigest(reparsed.value)).toBe(digestOf(body));
      }),
      { numRuns: 200 },
    );
  });

  it('ignores the id: the same body under another id has the same digest', () => {
    fc.assert(
      fc.property(validBodyArb, fc.stringMatching(/^[a-z0-9]{1,10}$/), (body, otherId) => {
        expect(digestOf({ ...body, id: otherId })).toBe(digestOf(body));
      }),
      { numRuns: 100 },
    );
  });

  it('covers the tag and the mentions: the same id with another of either is another request', () => {
    const base = { ...validBody(), message: { text: 'Hi <at>Adele</at>' } };
    const mention = { userId: userId, name: 'Adele Vance', text: 'Adele' };

    expect(new Set([digestOf(base), digestOf({ ...base, tag: 'a' }), digestOf({ ...base, tag: 'b' }), digestOf({ ...base, message: { ...base.message, mentions: [mention] } })]).size).toBe(4);
  });

  it('ignores how the same instant and GUIDs are written', () => {
    const body = validBody();
    const same = { ...body, sendAt: '2025-06-01T00:00:00Z', targets: [...body.targets.slice(0, 1), { userId: userId.toUpperCase(), tenantId }, ...body.targets.slice(2)] };
    expect(digestOf(same)).toBe(digestOf(body));
  });

  it.each<[string, (body: BodyFixture) => void]>([
    ['the text', (b) => (b.message.text += '!')],
    ['the card', (b) => (b.message.card.body[0]!.text = 'Deploy failed')],
    ['a target', (b) => (b.targets[0]!.conversationId = 'a:other')],
    ['the target order', (b) => b.targets.reverse()],
    ['sendAt', (b) => (b.sendAt = '2025-06-01T01:00:00Z')],
    ['expiresAt', (b) => delete b.expiresAt],
  ])('changes when %s changes', (_name, change) => {
    const body = validBody();
    change(body);
    expect(digestOf(body)).not.toBe(digestOf(validBody()));
  });
});

describe('canonicalJson', () => {
  it.each<[unknown, string]>([
    [{ b: 1, a: [true, null, 'x'], c: { z: 1, y: 2 } }, '{"a":[true,null,"x"],"b":1,"c":{"y":2,"z":1}}'],
    [{ a: undefined, b: 1 }, '{"b":1}'],
    [[1e21, 0.1, -0], '[1e+21,0.1,0]'],
    // UTF-16 code unit order: "Z" (0x5A) < "a" (0x61) < "é" (0xE9) < "😀" (0xD83D…).
    [{ é: 1, a: 2, Z: 3, '😀': 4 }, '{"Z":3,"a":2,"é":1,"😀":4}'],
    ['line\nbreak "quoted"', '"line\\nbreak \\"quoted\\""'],
  ])('writes %j as %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/no JSON form/);
    expect(() => canonicalJson(() => 1)).toThrow(/no JSON form/);
  });
});
