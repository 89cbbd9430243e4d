import { type DeliveryPacer, processDeliveryPacer } from '../../../shared/delivery/deliveryPacer';
import { GatewayError } from '../../../shared/errors';
import { deliveryMessageId } from '../../../shared/queue/deliveryMessage';
import { type DeliveryMessage } from '../../../shared/queue/deliveryMessage';
import { seenAtIn, sentCopyIn, sentNotRecordedReason } from '../../../shared/sending/deadLetterFacts';
import { createDeliverySender, type DeliverySenderDependencies } from '../../../shared/sending/deliverySender';
import {
  botAccount,
  Clock,
  conversation,
  FakeConnector,
  FakeConversations,
  FakeDeliveries,
  FakeQueue,
  gccServiceUrl,
  httpError,
  pacer,
  received,
  sendMessage,
  serviceUrl,
  tenantId,
} from './sendingFakes';

const settings = { maxAttempts: 5, backoffBaseInMs: 1_000, backoffMaxInMs: 60_000 };

function setUp(overrides: Partial<DeliverySenderDependencies> = {}) {
  const clock = new Clock();
  const conversations = new FakeConversations(clock.now);
  const deliveries = new FakeDeliveries(clock.now);
  const connector = new FakeConnector();
  const queue = new FakeQueue();
  const sleeps: number[] = [];
  const localPacer = pacer();
  const deps: DeliverySenderDependencies = {
    conversations,
    deliveries,
    connector,
    queue,
    pacer: processDeliveryPacer(localPacer),
    settings,
    gccServiceUrl,
    now: clock.now,
    random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  };
  const sender = createDeliverySender(deps);
  return { clock, conversations, deliveries, connector, queue, sleeps, localPacer, deps, sender, process: async (body: unknown) => sender.process(received(body)) };
}

/** Sleeps move the clock (and are recorded), so waits at the departure gate take time. */
function setUpOnClock(pacer: DeliveryPacer) {
  const env = setUp({
    pacer,
    sleep: async (ms) => {
      env.sleeps.push(ms);
      env.clock.advance(ms);
      return Promise.resolve();
    },
  });
  return env;
}

/** A pacer whose slot is always now, with the departure gate given. */
function slotNowPacer(depart: DeliveryPacer['depart']): DeliveryPacer {
  return {
    pace: async () => Promise.resolve({ kind: 'sendAfter', delayInMs: 0, release: () => undefined }),
    coolDownTenant: async () => Promise.resolve(),
    tenantCoolDownUntil: () => Number.NEGATIVE_INFINITY,
    depart,
  };
}

/** A stored conversation and its queued delivery row. */
function withDelivery(env: ReturnType<typeof setUp>, message: DeliveryMessage = sendMessage()) {
  env.conversations.put(conversation(message.conversationId ?? 'a:conv-1'));
  env.deliveries.add(message);
  return message;
}

describe('send: malformed messages', () => {
  it.each([
    ['not JSON', '{"version":'],
    ['not a delivery', { hello: 'world' }],
    ['an unknown operation', { ...sendMessage(), operation: 'explode' }],
  ])('dead-letters %s as MalformedDeliveryMessage without any request', async (_name, body) => {
    const env = setUp();
    const result = await env.process(body);
    expect(result.settlement).toMatchObject({ kind: 'deadLetter', reason: 'MalformedDeliveryMessage' });
    expect(env.connector.calls).toHaveLength(0);
    expect(env.deliveries.calls).toHaveLength(0);
  });

  it('dead-letters a send without an activity', async () => {
    const env = setUp();
    const message = withDelivery(env, { ...sendMessage(), activity: undefined });
    const result = await env.process(message);
    expect(result.settlement).toMatchObject({ kind: 'deadLetter', reason: 'MalformedDeliveryMessage' });
    expect(env.connector.calls).toHaveLength(0);
  });

  it('dead-letters a message whose delivery row does not exist', async () => {
    const env = setUp();
    env.conversations.put(conversation('a:conv-1'));
    const result = await env.process(sendMessage());
    expect(result.settlement).toMatchObject({ kind: 'deadLetter', reason: 'DeliveryNotFound' });
    expect(env.connector.calls).toHaveLength(0);
  });
});

describe('send: delivered', () => {
  it('posts the stored reference as received, from the bot account, after writing `sending`', async () => {
    const env = setUp();
    const message = withDelivery(env);
    const statusAtCall: string[] = [];
    env.connector.onCall = () => statusAtCall.push(env.deliveries.row(message)!.status);

    const result = await env.process(message);

    expect(statusAtCall).toEqual(['sending']);
    expect(env.connector.calls).toHaveLength(1);
    const call = env.connector.calls[0]!;
    expect(call.kind).toBe('send');
    if (call.kind !== 'send') return;
    expect(call.target).toEqual({
      serviceUrl,
      conversation: { id: 'a:conv-1', tenantId, conversationType: 'personal' },
      bot: botAccount,
      user: { id: '29:user-a:conv-1', aadObjectId: 'aad-a:conv-1', name: 'A User' },
      channelId: 'msteams',
    });
    expect(call.target.bot.id).toBe(`28:${'0f6d1c2e-7b1a-4c2e-9a55-3d1b6a7e0b07'}`);
    expect(call.activity).toEqual({ type: 'message', text: 'Deploy finished', channelData: { tenant: { id: tenantId } } });
    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(env.deliveries.row(message)).toMatchObject({ status: 'sent', activityId: 'act-1', attempts: 1 });
    expect(result.outcome).toMatchObject({
      event: 'delivery',
      notificationId: 'n-1',
      conversationId: 'a:conv-1',
      tenantId,
      operation: 'send',
      outcome: 'sent',
      activityId: 'act-1',
    });
  });

  it('uses the serviceUrl the conversation remembers after InvalidBotApiHost', async () => {
    const env = setUp();
    const message = sendMessage();
    env.conversations.put(conversation('a:conv-1', { serviceUrlOverride: gccServiceUrl }));
    env.deliveries.add(message);
    await env.process(message);
    expect(env.connector.calls[0]).toMatchObject({ kind: 'send', target: { serviceUrl: gccServiceUrl } });
  });

  it.each(['sent', 'cancelled', 'failed', 'skipped'] as const)('completes a redelivered message of a %s delivery without a request', async (status) => {
    const env = setUp();
    const message = sendMessage();
    env.conversations.put(conversation('a:conv-1'));
    env.deliveries.add(message, { status, activityId: 'act-old', attempts: 1 });
    const result = await env.process(message);
    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(result.outcome).toBeUndefined();
    expect(env.connector.calls).toHaveLength(0);
    expect(env.deliveries.row(message)!.status).toBe(status);
  });

  it('completes a stale attempt (a newer one already started) without a request', async () => {
    const env = setUp();
    const message = sendMessage({ attempt: 2 });
    env.conversations.put(conversation('a:conv-1'));
    env.deliveries.add(message, { status: 'queued', attempts: 3 });
    const result = await env.process(message);
    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(env.connector.calls).toHaveLength(0);
  });

  it('sends again when a crash left the same attempt `sending`, and says so', async () => {
    const env = setUp();
    const message = sendMessage();
    env.conversations.put(conversation('a:conv-1'));
    env.deliveries.add(message, { status: 'sending', attempts: 1 });
    const result = await env.process(message);
    expect(env.connector.calls).toHaveLength(1);
    expect(env.deliveries.row(message)!.status).toBe('sent');
    expect(result.notes.join(' ')).toMatch(/found `sending` \(interrupted/);
  });
});

describe('send: before sending', () => {
  it('skips a removed conversation with its removal reason, without a request', async () => {
    const env = setUp();
    const message = sendMessage();
    env.conversations.put(conversation('a:conv-1', { status: 'removed', removedReason: 'ConversationBlockedByUser', removedAt: '2026-02-20T00:00:00.000Z' }));
    env.deliveries.add(message);

    const result = await env.process(message);

    expect(env.connector.calls).toHaveLength(0);
    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(env.deliveries.row(message)).toMatchObject({ status: 'skipped', failureClass: 'gone', lastError: { code: 'ConversationRemoved' } });
    expect(env.deliveries.row(message)!.lastError!.message).toContain('ConversationBlockedByUser');
    expect(result.outcome).toMatchObject({ outcome: 'skipped', code: 'ConversationRemoved', failureClass: 'gone', removalReason: 'ConversationBlockedByUser' });
  });

  it('skips a conversation the store does not hold', async () => {
    const env = setUp();
    const message = sendMessage();
    env.deliveries.add(message);
    const result = await env.process(message);
    expect(env.connector.calls).toHaveLength(0);
    expect(result.outcome).toMatchObject({ outcome: 'skipped', removalReason: 'NotStored' });
  });

  it('dead-letters an expired delivery as Expired with the time it was seen', async () => {
    const env = setUp();
    const message = withDelivery(env, sendMessage({ expiresAt: '2026-03-01T07:59:59.000Z' }));
    const result = await env.process(message);
    expect(env.connector.calls).toHaveLength(0);
    expect(result.settlement).toMatchObject({ kind: 'deadLetter', reason: 'Expired' });
    if (result.settlement.kind !== 'deadLetter') return;
    expect(seenAtIn(result.settlement.description)).toEqual(env.clock.now());
  });
});

describe('send: pacing', () => {
  it('waits a short pacing delay inside the invocation, then sends', async () => {
    const env = setUp();
    env.localPacer.coolDownTenant(tenantId, 800, env.clock.now());
    const message = withDelivery(env);
    await env.process(message);
    expect(env.sleeps).toEqual([800]);
    expect(env.connector.calls).toHaveLength(1);
  });

  it('reschedules a copy to its booked slot (new message id: deferral + 1, same attempt) when the wait exceeds the budget, without writing `sending`', async () => {
    const env = setUp();
    env.localPacer.coolDownTenant(tenantId, 30_000, env.clock.now());
    const message = withDelivery(env);

    const result = await env.process(message);

    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(env.connector.calls).toHaveLength(0);
    const slot = new Date(env.clock.now().getTime() + 30_000);
    expect(env.queue.enqueued).toEqual([{ body: { ...message, deferral: 1, pacedUntil: slot.toISOString() }, notBefore: slot }]);
    expect(deliveryMessageId(env.queue.enqueued[0]!.body)).not.toBe(deliveryMessageId(message));
    expect(env.deliveries.row(message)!.status).toBe('queued');
    expect(env.deliveries.methods()).not.toContain('markSending');
  });

  it('a rescheduled copy comes back on the queue when the pacer says (returnAt), holding the slot it booked (until)', async () => {
    const until = new Date(Date.parse('2030-01-01T00:00:05.000Z'));
    const returnAt = new Date(until.getTime() - 130);
    const pacer: DeliveryPacer = {
      pace: async () => Promise.resolve({ kind: 'reschedule', until, returnAt, release: () => undefined }),
      coolDownTenant: async () => Promise.resolve(),
      tenantCoolDownUntil: () => Number.NEGATIVE_INFINITY,
      depart: (_tenantId, now) => ({ at: now, landed: () => undefined }),
    };
    const env = setUp({ pacer });
    const message = withDelivery(env);

    await env.process(message);

    expect(env.queue.enqueued).toEqual([{ body: { ...message, deferral: 1, pacedUntil: until.toISOString() }, notBefore: returnAt }]);
  });

  it('after its slot, a request waits for the departure the pacer gives it, and reports when Teams answered it', async () => {
    const departures: number[] = [];
    const landings: number[] = [];
    const env = setUpOnClock(
      slotNowPacer((_tenantId, now) => {
        departures.push(now);
        return { at: now + 90, landed: (at) => landings.push(at) };
      }),
    );
    await env.process(withDelivery(env));
    expect(departures).toHaveLength(1);
    expect(env.sleeps).toEqual([90]);
    expect(env.connector.calls).toHaveLength(1);
    // Answered after it left: the gate counts it from then on.
    expect(landings).toHaveLength(1);
    expect(landings[0]).toBeGreaterThanOrEqual(departures[0]! + 90);
  });

  it('a gate refusal that lifts within a second is waited out; one that does not sends the copy back to the queue', async () => {
    const refuseFor = async (refusals: number[]): Promise<ReturnType<typeof setUpOnClock>> => {
      let asked = 0;
      // Refuses for each given wait in turn (a part being leased), then lets the request go.
      const env = setUpOnClock(
        slotNowPacer((_tenantId, now) => {
          const wait = refusals[asked++];
          return wait === undefined ? { at: now, landed: () => undefined } : { noRoomUntil: now + wait };
        }),
      );
      await env.process(withDelivery(env));
      return env;
    };

    const lifted = await refuseFor([25, 25, 300]);
    expect(lifted.sleeps).toEqual([25, 25, 300]);
    expect(lifted.connector.calls).toHaveLength(1);
    expect(lifted.queue.enqueued).toEqual([]);

    const stuck = await refuseFor([25, 1_500]);
    expect(stuck.connector.calls).toHaveLength(0);
    expect(stuck.queue.enqueued).toHaveLength(1);
    expect(stuck.queue.enqueued[0]!.body).toMatchObject({ deferral: 1 });

    // Refused again and again for a second (a lease that drags on): back in half a second, not in 25 ms.
    const dragging = await refuseFor(Array.from({ length: 60 }, () => 25));
    const gaveUpAt = dragging.clock.now().getTime();
    expect(dragging.connector.calls).toHaveLength(0);
    expect(dragging.queue.enqueued[0]!.notBefore!.getTime() - gaveUpAt).toBe(500);
  });

  it('a 429 heard while a request waits for its departure holds it back: the copy is rescheduled, Teams is not asked', async () => {
    const until = new Date(Date.parse('2030-01-01T00:00:05.000Z'));
    let coolDownUntil = Number.NEGATIVE_INFINITY;
    let paced = 0;
    const pacer: DeliveryPacer = {
      pace: async () => {
        paced++;
        // The first call books a slot now; asked again after the 429, only a later one is left.
        return Promise.resolve(paced === 1 ? { kind: 'sendAfter', delayInMs: 0, release: () => undefined } : { kind: 'reschedule', until, returnAt: until, release: () => undefined });
      },
      coolDownTenant: async () => Promise.resolve(),
      tenantCoolDownUntil: () => coolDownUntil,
      depart: (_tenantId, now) => ({ at: now + 90, landed: () => undefined }),
    };
    const env = setUp({
      pacer,
      sleep: async (ms) => {
        // Another send to the tenant heard 429 while this one waited for its departure.
        coolDownUntil = env.clock.now().getTime() + 1_000;
        env.clock.advance(ms);
        return Promise.resolve();
      },
    });
    const message = withDelivery(env);

    const result = await env.process(message);

    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(env.connector.calls).toHaveLength(0);
    expect(env.queue.enqueued).toEqual([{ body: { ...message, deferral: 1, pacedUntil: until.toISOString() }, notBefore: until }]);
  });

  it('paces a copy that names its tenant before any read: a deferred one reads no delivery row', async () => {
    const env = setUp();
    await env.deps.pacer.coolDownTenant(tenantId, 30_000, env.clock.now());
    const message = { ...withDelivery(env), tenantId };

    const result = await env.process(message);

    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(env.queue.enqueued).toHaveLength(1);
    expect(env.queue.enqueued[0]!.body).toMatchObject({ tenantId, deferral: 1 });
    expect(env.deliveries.methods()).toEqual([]);
  });

  it('writes `sending` before waiting for its slot: a write between the slot and the post would make it arrive late', async () => {
    const methodsAtSleep: string[][] = [];
    const env = setUp({
      sleep: async () => {
        methodsAtSleep.push(env.deliveries.methods());
        return Promise.resolve();
      },
    });
    env.localPacer.coolDownTenant(tenantId, 800, env.clock.now());
    await env.process(withDelivery(env));
    expect(methodsAtSleep).toHaveLength(1);
    expect(methodsAtSleep[0]).toContain('markSending');
    expect(env.connector.calls).toHaveLength(1);
  });

  it('a send that wakes too late for its slot takes a near one instead of leaving late', async () => {
    const sleeps: number[] = [];
    const env = setUp({
      sleep: async (ms) => {
        sleeps.push(ms);
        // The first wait overruns by 300 ms (a busy event loop); by then the tenant's next 200 ms are booked.
        env.clock.advance(ms + (sleeps.length === 1 ? 300 : 0));
        if (sleeps.length === 1) env.localPacer.coolDownTenant(tenantId, 200, env.clock.now());
        return Promise.resolve();
      },
    });
    env.localPacer.coolDownTenant(tenantId, 800, env.clock.now());
    await env.process(withDelivery(env));
    expect(sleeps).toEqual([800, 200]);
    expect(env.connector.calls).toHaveLength(1);
    expect(env.queue.enqueued).toEqual([]);
  });

  it('a send that wakes a little late (the reads before it ran long) leaves on its slot, not booked again: the departure gate holds the tenant', async () => {
    const env = setUp({
      sleep: async (ms) => {
        env.sleeps.push(ms);
        env.clock.advance(ms + 60);
        return Promise.resolve();
      },
    });
    env.localPacer.coolDownTenant(tenantId, 800, env.clock.now());
    const reserve = jest.spyOn(env.localPacer, 'reserve');
    await env.process(withDelivery(env));
    expect(env.sleeps).toEqual([800]);
    expect(reserve).toHaveBeenCalledTimes(1);
    expect(env.connector.calls).toHaveLength(1);
    expect(env.queue.enqueued).toEqual([]);
  });

  it('a late send with no near slot left goes on its late slot rather than to the back of the queue (it would starve)', async () => {
    const sleeps: number[] = [];
    let conversationId = '';
    const env = setUp({
      sleep: async (ms) => {
        sleeps.push(ms);
        env.clock.advance(ms + 300);
        // Meanwhile the conversation is booked far beyond what an invocation may wait.
        env.localPacer.coolDownConversation(conversationId, 30_000, env.clock.now());
        return Promise.resolve();
      },
    });
    env.localPacer.coolDownTenant(tenantId, 800, env.clock.now());
    const message = withDelivery(env);
    conversationId = message.conversationId!;
    await env.process(message);
    expect(sleeps).toEqual([800]);
    expect(env.connector.calls).toHaveLength(1);
    expect(env.queue.enqueued).toEqual([]);
  });

  it('a slot granted before a 429 for the tenant is not used in its cool-down: the copy is rescheduled past it, Teams is not asked', async () => {
    const env = setUp({
      sleep: async (ms) => {
        env.clock.advance(ms);
        // Meanwhile another send to the tenant hears 429 with Retry-After: 30 s.
        env.localPacer.coolDownTenant(tenantId, 30_000, env.clock.now());
        return Promise.resolve();
      },
    });
    env.localPacer.coolDownTenant(tenantId, 800, env.clock.now());
    const coolDownEnd = env.clock.now().getTime() + 800 + 30_000;

    const result = await env.process(withDelivery(env));

    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(env.connector.calls).toHaveLength(0);
    expect(env.queue.enqueued).toHaveLength(1);
    expect(Date.parse(env.queue.enqueued[0]!.body.pacedUntil!)).toBeGreaterThanOrEqual(coolDownEnd);
  });

  it('a copy paced before its read hands the slot back when the row says there is nothing to send', async () => {
    const env = setUp();
    const message = { ...sendMessage(), tenantId };
    env.conversations.put(conversation(message.conversationId!));
    env.deliveries.add(message, { status: 'sent', activityId: 'act-1' });
    // The tenant's second has room for one more send (40 per second): the redelivered copy takes it while it reads.
    for (let i = 0; i < 39; i += 1) env.localPacer.reserve(tenantId, `other-${i}`, env.clock.now());

    const result = await env.process(message);

    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(env.connector.calls).toHaveLength(0);
    expect(env.localPacer.delayFor(tenantId, 'other-39', env.clock.now())).toBe(0);
  });
});

describe('send: pacing at scale', () => {
  it('a copy deferred to its slot sends there without booking a second slot, and its retry carries no slot', async () => {
    const env = setUp();
    const message = withDelivery(env);
    // Fill the tenant's next second so the copy has to wait on the queue.
    for (let i = 0; i < 40; i += 1) env.localPacer.reserve(tenantId, `other-${i}`, env.clock.now());
    await env.process(message);
    const deferred = env.queue.enqueued[0]!;
    expect(deferred.body.pacedUntil).toBe(deferred.notBefore!.toISOString());

    env.clock.advance(deferred.notBefore!.getTime() - env.clock.now().getTime());
    env.connector.answer(httpError(503));
    await env.process(deferred.body);
    expect(env.connector.calls).toHaveLength(1);
    expect(env.sleeps).toEqual([]);
    const retry = env.queue.enqueued[1]!;
    expect(retry.body).toMatchObject({ attempt: 2, deferral: 1 });
    expect(retry.body.pacedUntil).toBeUndefined();
  });

  it('a copy handed over late for its slot books a fresh one instead of bunching with later slots', async () => {
    const env = setUp();
    const message = withDelivery(env);
    for (let i = 0; i < 40; i += 1) env.localPacer.reserve(tenantId, `other-${i}`, env.clock.now());
    await env.process(message);
    const deferred = env.queue.enqueued[0]!;
    // Late by 2 s: meanwhile the tenant's next second was booked by others.
    env.clock.advance(deferred.notBefore!.getTime() - env.clock.now().getTime() + 2_000);
    for (let i = 0; i < 40; i += 1) env.localPacer.reserve(tenantId, `later-${i}`, env.clock.now());
    await env.process(deferred.body);
    expect(env.connector.calls).toHaveLength(0);
    const again = env.queue.enqueued[1]!;
    expect(again.body.deferral).toBe(2);
    expect(again.notBefore!.getTime()).toBeGreaterThan(env.clock.now().getTime());
  });

  it('never holds an invocation for longer than the inline budget, however far the tenant is booked', async () => {
    const env = setUp();
    for (let i = 0; i < 400; i += 1) env.localPacer.reserve(tenantId, `other-${i}`, env.clock.now());
    const message = withDelivery(env);
    await env.process(message);
    expect(env.sleeps).toEqual([]);
    expect(env.connector.calls).toHaveLength(0);
    expect(env.queue.enqueued[0]!.notBefore!.getTime() - env.clock.now().getTime()).toBeGreaterThanOrEqual(9_000);
  });
});

describe('send: retries', () => {
  it.each([
    [503, 'ServiceUnavailable'],
    [502, 'ServiceError'],
    [504, 'GatewayTimeout'],
    [412, 'PreconditionFailed'],
  ])('records %i and schedules attempt + 1 with backoff', async (status, code) => {
    const env = setUp({ random: () => 0.5 });
    const message = withDelivery(env);
    env.connector.answer(httpError(status, code));

    const result = await env.process(message);

    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(env.queue.enqueued).toHaveLength(1);
    const next = env.queue.enqueued[0]!;
    expect(next.body).toEqual({ ...message, attempt: 2 });
    expect(next.notBefore).toEqual(new Date(env.clock.now().getTime() + 500));
    expect(env.deliveries.row(message)).toMatchObject({ status: 'queued', attempts: 1, lastError: { status, code } });
    expect(result.outcome).toMatchObject({ outcome: 'retrying', status, code, retryAt: next.notBefore!.toISOString() });
  });

  it('honours Retry-After on 429 and cools the whole tenant down', async () => {
    const env = setUp();
    const message = withDelivery(env);
    env.connector.answer(httpError(429, 'Throttled', 4_000));

    await env.process(message);

    expect(env.queue.enqueued[0]!.notBefore).toEqual(new Date(env.clock.now().getTime() + 4_000));
    // Another conversation of the tenant now waits too.
    expect(env.localPacer.delayFor(tenantId, 'a:other', env.clock.now())).toBeGreaterThanOrEqual(4_000);
    expect(env.deliveries.row(message)!.lastError).toMatchObject({ status: 429, code: 'Throttled' });
  });

  it('moves to the GCC host at once after 403 InvalidBotApiHost and remembers it on the conversation', async () => {
    const env = setUp();
    const message = withDelivery(env);
    env.connector.answer(httpError(403, 'InvalidBotApiHost'));

    await env.process(message);

    expect(env.queue.enqueued).toEqual([{ body: { ...message, attempt: 2, serviceUrlOverride: gccServiceUrl } }]);
    expect(env.conversations.byId.get('a:conv-1')!.serviceUrlOverride).toBe(gccServiceUrl);
  });

  it('records the retry before enqueuing, so a queue failure redelivers an attempt that still sends', async () => {
    const env = setUp();
    const message = withDelivery(env);
    env.connector.answer(httpError(503));
    env.queue.failNext = 1;

    await expect(env.process(message)).rejects.toThrow('queue unavailable');
    expect(env.deliveries.row(message)).toMatchObject({ status: 'queued', attempts: 1 });

    // Service Bus redelivers the same attempt: not stale, it sends.
    const again = await env.process(message);
    expect(again.outcome).toMatchObject({ outcome: 'sent' });
    expect(env.connector.calls).toHaveLength(2);
  });

  it('treats a crash after the enqueue as harmless: the redelivered attempt is stale once the next one started', async () => {
    const env = setUp();
    const message = withDelivery(env);
    env.connector.answer(httpError(503));
    await env.process(message);
    const next = env.queue.enqueued[0]!.body;
    await env.process(next);
    expect(env.deliveries.row(message)).toMatchObject({ status: 'sent', attempts: 2 });

    const stale = await env.process(message);
    expect(stale.settlement).toEqual({ kind: 'complete' });
    expect(env.connector.calls).toHaveLength(2);
  });
});

describe('send: final failures', () => {
  it.each([
    [403, 'BotNotInConversationRoster'],
    [403, 'ConversationBlockedByUser'],
    [403, 'BotDisabledByAdmin'],
    [403, 'ForbiddenOperationException'],
    [404, 'ConversationNotFound'],
    [400, 'BadArgument'],
    [413, 'MessageSizeTooBig'],
    [401, 'BotNotRegistered'],
    [403, 'NotEnoughPermissions'],
    [500, 'ServiceError'],
  ])('dead-letters %i %s with the code as reason and the status first in the description', async (status, code) => {
    const env = setUp();
    const message = withDelivery(env);
    env.connector.answer(httpError(status, code));

    const result = await env.process(message);

    expect(result.settlement).toMatchObject({ kind: 'deadLetter', reason: code });
    if (result.settlement.kind !== 'deadLetter') return;
    expect(result.settlement.description.startsWith(`HTTP ${status} ${code}`)).toBe(true);
    expect(seenAtIn(result.settlement.description)).toEqual(env.clock.now());
    expect(env.queue.enqueued).toHaveLength(0);
    // The deadLetter function writes the final state; until then the delivery shows it is in flight.
    expect(env.deliveries.row(message)!.status).toBe('sending');
    expect(result.outcome).toBeUndefined();
  });

  it('dead-letters RetriesExhausted after the last attempt', async () => {
    const env = setUp();
    const message = withDelivery(env, sendMessage({ attempt: 5 }));
    env.connector.answer(httpError(503));
    const result = await env.process(message);
    expect(result.settlement).toMatchObject({ kind: 'deadLetter', reason: 'RetriesExhausted' });
  });

  it('hands the activity id to the dead-letter queue when the sent status cannot be written', async () => {
    const env = setUp();
    const message = withDelivery(env);
    env.deliveries.failNext('markSent', 4);

    const result = await env.process(message);

    expect(env.connector.calls).toHaveLength(1);
    expect(env.sleeps).toEqual([100, 500, 2_000]);
    expect(result.settlement).toMatchObject({ kind: 'deadLetter', reason: sentNotRecordedReason });
    if (result.settlement.kind !== 'deadLetter') return;
    expect(sentCopyIn(result.settlement.description)).toEqual({ activityId: 'act-1' });
  });

  it('records sent after a brief storage hiccup', async () => {
    const env = setUp();
    const message = withDelivery(env);
    env.deliveries.failNext('markSent', 2);
    const result = await env.process(message);
    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(env.deliveries.row(message)).toMatchObject({ status: 'sent', activityId: 'act-1' });
  });

  it('lets a storage failure before sending crash the invocation (Service Bus redelivers)', async () => {
    const env = setUp();
    const message = withDelivery(env);
    env.deliveries.failNext('getDelivery');
    await expect(env.process(message)).rejects.toThrow('storage unavailable');
    expect(env.connector.calls).toHaveLength(0);
  });
});

describe('send: a personal chat created at send time', () => {
  const createFor = { tenantId, userAadObjectId: 'aad-new-user', referenceConversationId: '19:team-general' };

  function withChatToCreate(env: ReturnType<typeof setUp>) {
    env.conversations.put(conversation('19:team-general', { scope: 'channel', reference: { ...conversation('19:team-general').reference, conversation: { id: '19:team-general', tenantId, conversationType: 'channel' } } }));
    const message = sendMessage({ conversationId: undefined, createFor });
    env.deliveries.add(message);
    return message;
  }

  it('creates the chat from the tenant reference, then posts there and records the chat id', async () => {
    const env = setUp();
    const message = withChatToCreate(env);

    const result = await env.process(message);

    expect(env.connector.calls.map((c) => c.kind)).toEqual(['create', 'send']);
    expect(env.connector.calls[0]).toEqual({ kind: 'create', request: { serviceUrl, bot: botAccount, tenantId, userId: 'aad-new-user' } });
    expect(env.connector.calls[1]).toMatchObject({
      kind: 'send',
      target: { serviceUrl, bot: botAccount, conversation: { id: 'a:created-1', tenantId, conversationType: 'personal' }, channelId: 'msteams' },
    });
    expect(env.deliveries.row(message)).toMatchObject({ status: 'sent', activityId: 'act-2', conversationId: 'a:created-1' });
    expect(result.outcome).toMatchObject({ outcome: 'sent', conversationId: 'a:created-1' });
  });

  it('posts to the personal chat stored since intake, without creating one', async () => {
    const env = setUp();
    const message = withChatToCreate(env);
    env.conversations.put(conversation('a:stored-chat', { userAadObjectId: 'aad-new-user' }));
    await env.process(message);
    expect(env.connector.calls.map((c) => c.kind)).toEqual(['send']);
    expect(env.connector.calls[0]).toMatchObject({ target: { conversation: { id: 'a:stored-chat' } } });
  });

  it('falls back to another active conversation of the tenant when the named reference is gone', async () => {
    const env = setUp();
    const message = withChatToCreate(env);
    env.conversations.touch('19:team-general', { status: 'removed' });
    env.conversations.put(conversation('19:other-team', { scope: 'channel' }));
    await env.process(message);
    expect(env.connector.calls.map((c) => c.kind)).toEqual(['create', 'send']);
  });

  it('skips when no conversation of the tenant is left to create the chat from', async () => {
    const env = setUp();
    const message = sendMessage({ conversationId: undefined, createFor });
    env.deliveries.add(message);
    const result = await env.process(message);
    expect(env.connector.calls).toHaveLength(0);
    expect(env.deliveries.row(message)).toMatchObject({ status: 'skipped', lastError: { code: 'ConversationNotFound' } });
    expect(result.outcome).toMatchObject({ outcome: 'skipped' });
  });

  it('dead-letters when Teams refuses the chat (app not installed for the user)', async () => {
    const env = setUp();
    const message = withChatToCreate(env);
    env.connector.answer(httpError(403, 'ForbiddenOperationException'));
    const result = await env.process(message);
    expect(env.connector.calls.map((c) => c.kind)).toEqual(['create']);
    expect(result.settlement).toMatchObject({ kind: 'deadLetter', reason: 'ForbiddenOperationException' });
  });

  it('retries a throttled create like a send', async () => {
    const env = setUp();
    const message = withChatToCreate(env);
    env.connector.answer(httpError(429, 'Throttled', 1_000));
    const result = await env.process(message);
    expect(result.outcome).toMatchObject({ outcome: 'retrying', status: 429 });
    expect(env.queue.enqueued[0]!.body).toEqual({ ...message, attempt: 2 });
  });
});

describe('send: a channel of a team reached through another stored channel', () => {
  const teamId = '19:team-general';
  const createFor = { tenantId, teamId, channelId: teamId, referenceConversationId: '19:selected' };
  const channelReference = (id: string) => ({ ...conversation(id).reference, conversation: { id, tenantId, conversationType: 'channel', isGroup: true } });

  function withChannelToReach(env: ReturnType<typeof setUp>) {
    env.conversations.put(conversation('19:selected', { scope: 'channel', teamId, teamsChannelId: '19:selected', reference: channelReference('19:selected') }));
    const message = sendMessage({ conversationId: undefined, createFor });
    env.deliveries.add(message);
    return message;
  }

  it('posts to the channel by its id with the stored channel reference, creating nothing, and records the channel', async () => {
    const env = setUp();
    const message = withChannelToReach(env);
    const result = await env.process(message);
    expect(env.connector.calls.map((c) => c.kind)).toEqual(['send']);
    expect(env.connector.calls[0]).toMatchObject({
      target: { serviceUrl, bot: botAccount, conversation: { id: teamId, tenantId, conversationType: 'channel', isGroup: true }, channelId: 'msteams' },
    });
    expect(env.deliveries.row(message)).toMatchObject({ status: 'sent', conversationId: teamId });
    expect(result.outcome).toMatchObject({ outcome: 'sent', conversationId: teamId });
  });

  it("posts through the channel's own reference once it is stored", async () => {
    const env = setUp();
    const message = withChannelToReach(env);
    env.conversations.put(conversation(teamId, { scope: 'channel', teamId, teamsChannelId: teamId, reference: channelReference(teamId) }));
    await env.process(message);
    expect(env.connector.calls[0]).toMatchObject({ target: { conversation: { id: teamId } } });
    expect(env.deliveries.row(message)).toMatchObject({ status: 'sent', conversationId: teamId });
  });

  it('skips when no channel of the team is active any more, and prunes nothing on a 404 for the channel', async () => {
    const env = setUp();
    const message = withChannelToReach(env);
    env.conversations.touch('19:selected', { status: 'removed', removedReason: 'installationRemoved' });
    const skipped = await env.process(message);
    expect(env.connector.calls).toHaveLength(0);
    expect(skipped.outcome).toMatchObject({ outcome: 'skipped', code: 'ConversationNotFound' });

    const other = setUp();
    const again = withChannelToReach(other);
    other.connector.answer(httpError(404, 'ConversationNotFound'));
    const failed = await other.process(again);
    expect(failed.settlement).toMatchObject({ kind: 'deadLetter', reason: 'ConversationNotFound' });
    expect(other.conversations.markRemovedCalls).toEqual([]);
  });
});

describe('update and delete', () => {
  function sentDelivery(env: ReturnType<typeof setUp>, overrides: Parameters<FakeDeliveries['add']>[1] = {}) {
    env.conversations.put(conversation('a:conv-1'));
    env.deliveries.add(sendMessage(), { status: 'sent', activityId: 'act-9', attempts: 1, ...overrides });
  }
  const update = (revision = 1): DeliveryMessage => ({ ...sendMessage(), operation: 'update', revision, activity: { type: 'message', text: 'Deploy rolled back' } });
  const remove = (): DeliveryMessage => {
    const { activity: _activity, ...rest } = sendMessage();
    return { ...rest, operation: 'delete' };
  };

  it('updates the sent copy by its activity id and records the result', async () => {
    const env = setUp();
    sentDelivery(env);
    const result = await env.process(update());
    expect(env.connector.calls[0]).toMatchObject({ kind: 'update', activityId: 'act-9', activity: { text: 'Deploy rolled back' }, target: { bot: botAccount } });
    expect(env.deliveries.row(sendMessage())!.lastOperation).toMatchObject({ operation: 'update', revision: 1, status: 'sent' });
    expect(env.deliveries.row(sendMessage())!.status).toBe('sent');
    expect(result.outcome).toMatchObject({ outcome: 'updated', operation: 'update', activityId: 'act-9' });
  });

  it('deletes the sent copy; a copy Teams no longer has counts as deleted', async () => {
    const env = setUp();
    sentDelivery(env);
    env.connector.answer(httpError(404, 'ActivityNotFoundInConversation'));
    const result = await env.process(remove());
    expect(env.connector.calls[0]).toMatchObject({ kind: 'delete', activityId: 'act-9' });
    expect(result.outcome).toMatchObject({ outcome: 'deleted' });
    expect(env.deliveries.row(sendMessage())!.lastOperation).toMatchObject({ operation: 'delete', status: 'sent' });
  });

  it.each(['queued', 'sending'] as const)('stays behind a %s send: reschedules itself (deferral + 1, attempt unchanged) without a request', async (status) => {
    const env = setUp();
    env.conversations.put(conversation('a:conv-1'));
    env.deliveries.add(sendMessage(), { status, attempts: 1 });
    const message = update();
    const result = await env.process(message);
    expect(env.connector.calls).toHaveLength(0);
    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(env.queue.enqueued).toEqual([{ body: { ...message, deferral: 1 }, notBefore: new Date(env.clock.now().getTime() + 1_000) }]);
  });

  it('gives up waiting for a send that never finishes as RetriesExhausted', async () => {
    const env = setUp();
    env.conversations.put(conversation('a:conv-1'));
    env.deliveries.add(sendMessage(), { status: 'queued' });
    const result = await env.process({ ...update(), deferral: settings.maxAttempts * 4 });
    expect(result.settlement).toMatchObject({ kind: 'deadLetter', reason: 'RetriesExhausted' });
  });

  it.each(['failed', 'skipped', 'cancelled'] as const)('records the update skipped when the send ended %s', async (status) => {
    const env = setUp();
    env.conversations.put(conversation('a:conv-1'));
    env.deliveries.add(sendMessage(), { status });
    const result = await env.process(update());
    expect(env.connector.calls).toHaveLength(0);
    expect(env.deliveries.row(sendMessage())!.lastOperation).toMatchObject({ operation: 'update', status: 'skipped', error: { code: 'NotSent' } });
    expect(result.outcome).toMatchObject({ outcome: 'skipped', operation: 'update' });
  });

  it('skips an update older than the one already applied, and any update after a delete', async () => {
    const env = setUp();
    sentDelivery(env, { lastOperation: { operation: 'update', revision: 3, status: 'sent', updatedAt: '2026-03-01T07:00:00.000Z' } });
    await env.process(update(2));
    sentDelivery(env, { lastOperation: { operation: 'delete', revision: 0, status: 'sent', updatedAt: '2026-03-01T07:00:00.000Z' } });
    await env.process(update(4));
    expect(env.connector.calls).toHaveLength(0);
  });

  it.each(['sent', 'failed', 'skipped'] as const)('asks Teams nothing for a redelivered update whose end (%s) is recorded (its settlement failed)', async (status) => {
    const env = setUp();
    sentDelivery(env, { lastOperation: { operation: 'update', revision: 1, status, updatedAt: '2026-03-01T07:00:00.000Z' } });
    const result = await env.process(update(1));
    expect(env.connector.calls).toHaveLength(0);
    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(result.notes.join(' ')).toMatch(new RegExp(`update 1 of n-1/a:conv-1 is ${status} already`));
  });

  it('still makes an update whose last state is a retry to come (queued)', async () => {
    const env = setUp();
    sentDelivery(env, { lastOperation: { operation: 'update', revision: 1, status: 'queued', updatedAt: '2026-03-01T07:00:00.000Z' } });
    await env.process({ ...update(1), attempt: 2 });
    expect(env.connector.calls).toHaveLength(1);
  });

  it('does not touch a removed conversation: the update is recorded skipped', async () => {
    const env = setUp();
    env.conversations.put(conversation('a:conv-1', { status: 'removed', removedReason: 'installationRemoved' }));
    env.deliveries.add(sendMessage(), { status: 'sent', activityId: 'act-9' });
    const result = await env.process(update());
    expect(env.connector.calls).toHaveLength(0);
    expect(result.outcome).toMatchObject({ outcome: 'skipped', removalReason: 'installationRemoved' });
  });

  it('reaches a created chat through the tenant reference', async () => {
    const env = setUp();
    const createFor = { tenantId, userAadObjectId: 'aad-new-user', referenceConversationId: '19:team-general' };
    env.conversations.put(conversation('19:team-general', { scope: 'channel' }));
    env.deliveries.add(sendMessage({ conversationId: undefined, createFor }), { status: 'sent', activityId: 'act-5', conversationId: 'a:created-9' });
    const { conversationId: _id, ...rest } = update();
    await env.process({ ...rest, createFor });
    expect(env.connector.calls[0]).toMatchObject({ kind: 'update', activityId: 'act-5', target: { conversation: { id: 'a:created-9' }, bot: botAccount, serviceUrl } });
  });

  it('retries a throttled update and dead-letters a refused one', async () => {
    const env = setUp();
    sentDelivery(env);
    env.connector.answer(httpError(429, 'Throttled', 2_000), httpError(400, 'BadArgument'));
    const retried = await env.process(update());
    expect(retried.outcome).toMatchObject({ outcome: 'retrying', operation: 'update' });
    expect(env.queue.enqueued[0]!.body).toMatchObject({ operation: 'update', attempt: 2 });
    // The queue hands the retry over at its scheduled time, after the tenant's cool-down.
    env.clock.advance(env.queue.enqueued[0]!.notBefore!.getTime() - env.clock.now().getTime());
    const refused = await env.process(env.queue.enqueued[0]!.body);
    expect(refused.settlement).toMatchObject({ kind: 'deadLetter', reason: 'BadArgument' });
  });
});

describe('fan-out steps', () => {
  const step: DeliveryMessage = { version: 1, notificationId: 'n-1', operation: 'fanOut', attempt: 1, revision: 0, fanOut: { targetIndex: 0, tenantId, scope: 'personal', page: 0 } };

  it('runs the step and completes', async () => {
    const seen: DeliveryMessage[] = [];
    const env = setUp({ runFanOutStep: async (m) => (seen.push(m), Promise.resolve({ outcome: 'finished' })) });
    const result = await env.process(step);
    expect(seen).toEqual([step]);
    expect(result.settlement).toEqual({ kind: 'complete' });
  });

  it('dead-letters a step the runner calls malformed, and crashes on anything else', async () => {
    const malformed = setUp({ runFanOutStep: async () => Promise.reject(new GatewayError('BAD_REQUEST', 'not a step')) });
    expect((await malformed.process(step)).settlement).toMatchObject({ kind: 'deadLetter', reason: 'MalformedDeliveryMessage' });
    const down = setUp({ runFanOutStep: async () => Promise.reject(new GatewayError('STORAGE_UNAVAILABLE', 'down')) });
    await expect(down.process(step)).rejects.toThrow('down');
  });
});
