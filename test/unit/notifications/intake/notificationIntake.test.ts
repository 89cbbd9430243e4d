import { acceptNotification, type IntakeServices, maxTargetsJsonLength } from '../../../../shared/notifications/intake/notificationIntake';
import { maxRequestBodyLength } from '../../../../shared/notifications/request/requestBodyLimit';

/** Refusals that happen before any storage or queue is touched (the services here fail if they are). */
const untouchable = new Proxy({} as IntakeServices, {
  get: (_target, name) => {
    if (name === 'now') return () => new Date('2026-03-01T10:00:00.000Z');
    // Configuration, not storage: what a request's callback is checked against (callbacks off here).
    if (name === 'policy') return undefined;
    throw new Error(`intake touched ${String(name)} for a request it should have refused`);
  },
});

describe('acceptNotification refusals', () => {
  it('refuses targets too long to list in the stored 202 with 413', async () => {
    const targets = Array.from({ length: 1_000 }, (_, i) => ({ conversationId: `19:${String(i).padStart(4, '0')}${'x'.repeat(250)}@thread.v2` }));

    const result = await acceptNotification(JSON.stringify({ targets, message: { text: 'hi' } }), untouchable);

    expect(JSON.stringify(targets).length).toBeGreaterThan(maxTargetsJsonLength);
    expect(result).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', details: [{ path: 'targets' }] } });
  });

  it('refuses a body longer than it reads with 413, and a bad body with 400, without a lookup when it has no id', async () => {
    expect(await acceptNotification(' '.repeat(maxRequestBodyLength + 1), untouchable)).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await acceptNotification('{"targets": []}', untouchable)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });
});
