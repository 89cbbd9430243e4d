import { type DeliveryOutcomeLine, logDeliveryOutcome } from '../../../shared/sending/deliveryOutcomeLog';

function lineFor(outcome: DeliveryOutcomeLine['outcome']): DeliveryOutcomeLine {
  return {
    event: 'delivery',
    notificationId: 'n-1',
    conversationId: 'a:1',
    tenantId: 't-1',
    operation: 'send',
    outcome,
    status: outcome === 'failed' ? 403 : undefined,
    code: outcome === 'failed' ? 'ConversationBlockedByUser' : undefined,
    failureClass: outcome === 'failed' ? 'gone' : undefined,
    attempt: 1,
  };
}

describe('logDeliveryOutcome', () => {
  function capture() {
    const written: { level: string; args: unknown[] }[] = [];
    return { written, logger: { info: (...args: unknown[]) => written.push({ level: 'info', args }), warn: (...args: unknown[]) => written.push({ level: 'warn', args }) } };
  }

  it('writes one JSON line with the fields the workbook and alerts read', () => {
    const { written, logger } = capture();
    logDeliveryOutcome(logger, lineFor('failed'));
    expect(written).toHaveLength(1);
    expect(written[0]!.level).toBe('warn');
    expect(written[0]!.args).toHaveLength(1);
    expect(JSON.parse(written[0]!.args[0] as string)).toEqual({
      event: 'delivery',
      notificationId: 'n-1',
      conversationId: 'a:1',
      tenantId: 't-1',
      operation: 'send',
      outcome: 'failed',
      status: 403,
      code: 'ConversationBlockedByUser',
      failureClass: 'gone',
      attempt: 1,
    });
  });

  it.each([
    ['sent', 'info'],
    ['updated', 'info'],
    ['deleted', 'info'],
    ['skipped', 'info'],
    ['retrying', 'warn'],
    ['failed', 'warn'],
  ] as const)('%s is written at %s level', (outcome, level) => {
    const { written, logger } = capture();
    logDeliveryOutcome(logger, lineFor(outcome));
    expect(written.map((w) => w.level)).toEqual([level]);
  });
});
