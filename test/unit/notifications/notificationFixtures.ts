/** Shared inputs for the notification tests: a fixed clock and a body that is valid until a test changes it. */
export const now = new Date('2025-06-01T00:00:00Z');
export const tenantId = '5e2f7c1a-3b4d-4e6f-8a9b-0c1d2e3f4a5b';
export const userId = '7faf8ab2-3d56-4244-b585-20c8a42ed2b8';

/** Typed loosely enough for tests to break any part of it. */
export interface CardFixture {
  [property: string]: unknown;
  body: Record<string, unknown>[];
  actions: Record<string, unknown>[];
}

export interface BodyFixture {
  [field: string]: unknown;
  targets: Record<string, unknown>[];
  message: { [field: string]: unknown; text: string; card: CardFixture };
}

export function validCard(): CardFixture {
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.5',
    body: [{ type: 'TextBlock', text: 'Deploy finished', weight: 'bolder', wrap: true }],
    actions: [{ type: 'Action.OpenUrl', title: 'Open', url: 'https://example.com/run/1' }],
  };
}

export function validBody(): BodyFixture {
  return {
    id: 'deploy-2025-06-01.1',
    targets: [{ conversationId: 'a:1xyz' }, { userId, tenantId }, { teamId: '19:abc@thread.tacv2', channelId: '19:def@thread.tacv2' }, { tenantId, scope: 'personal' }],
    message: { text: 'Deploy **finished**', textFormat: 'markdown', summary: 'Deploy finished', card: validCard() },
    sendAt: '2025-06-01T02:00:00+02:00',
    expiresAt: '2025-06-02T00:00:00Z',
  };
}
