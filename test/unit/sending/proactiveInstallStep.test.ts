import { type ConnectorAttempt, type ConnectorOutcome } from '../../../shared/connector/connectorOutcome';
import { processDeliveryPacer } from '../../../shared/delivery/deliveryPacer';
import { GraphInstallPacer } from '../../../shared/graph/graphInstallPacer';
import { createDeliverySender, type DeliverySenderDependencies } from '../../../shared/sending/deliverySender';
import { installEventWaitInMs } from '../../../shared/sending/proactiveInstallStep';
import { Clock, conversation, FakeConnector, FakeConversations, FakeDeliveries, FakeQueue, gccServiceUrl, httpError, pacer, received, sendMessage, tenantId } from './sendingFakes';

/** The send step with proactive installation on, against fakes: what it asks Graph, records and schedules. */
function setUp(answers: ConnectorOutcome[]) {
  const clock = new Clock();
  const conversations = new FakeConversations(clock.now);
  const deliveries = new FakeDeliveries(clock.now);
  const connector = new FakeConnector();
  const queue = new FakeQueue();
  const graphCalls: string[] = [];
  const graphPacer = new GraphInstallPacer();
  const connectorPacer = pacer();
  const deps: DeliverySenderDependencies = {
    conversations,
    deliveries,
    connector,
    queue,
    pacer: processDeliveryPacer(connectorPacer),
    settings: { maxAttempts: 5, backoffBaseInMs: 1_000, backoffMaxInMs: 60_000 },
    gccServiceUrl,
    now: clock.now,
    random: () => 0,
    sleep: async () => Promise.resolve(),
    installer: {
      pacer: graphPacer,
      client: {
        installForUser: async (tenant, user): Promise<ConnectorAttempt> => {
          graphCalls.push(`${tenant}/${user}`);
          return Promise.resolve({ outcome: answers.shift() ?? { kind: 'success', status: 201 }, freshTokenRetried: false });
        },
      },
    },
  };
  const sender = createDeliverySender(deps);
  const createFor = { tenantId, userAadObjectId: 'aad-new-user', referenceConversationId: '19:team-general' };
  conversations.put(conversation('19:team-general', { scope: 'channel', reference: { ...conversation('19:team-general').reference, conversation: { id: '19:team-general', tenantId, conversationType: 'channel' } } }));
  const message = sendMessage({ conversationId: undefined, createFor });
  deliveries.add(message);
  return { clock, deliveries, connector, queue, graphCalls, graphPacer, connectorPacer, message, process: async (body: unknown) => sender.process(received(body)) };
}

describe('send with proactive installation', () => {
  it('installs, records `installing` and comes back after the install events had time to arrive; the second pass sends without asking Graph again', async () => {
    const env = setUp([{ kind: 'success', status: 201 }]);
    const first = await env.process(env.message);
    expect(first.settlement).toEqual({ kind: 'complete' });
    expect(env.graphCalls).toEqual([`${tenantId}/aad-new-user`]);
    expect(env.connector.calls).toHaveLength(0);
    expect(env.deliveries.row(env.message)).toMatchObject({ status: 'queued', attempts: 0, installation: { status: 'installing' } });
    const [again] = env.queue.enqueued;
    expect(again!.notBefore!.getTime() - env.clock.now().getTime()).toBe(installEventWaitInMs);
    // A deferral, not an attempt.
    expect(again!.body).toMatchObject({ attempt: env.message.attempt, deferral: 1 });

    await env.process(again!.body);
    expect(env.graphCalls).toHaveLength(1);
    expect(env.connector.calls.map((c) => c.kind)).toEqual(['create', 'send']);
    expect(env.deliveries.row(env.message)).toMatchObject({ status: 'sent', installation: { status: 'installed' } });
  });

  it('an install paced past the wait is deferred holding its Graph slot, and comes back to install there without booking another', async () => {
    const env = setUp([{ kind: 'success', status: 201 }]);
    // Two seconds of the tenant's Graph limit taken: this install's slot is beyond the invocation's wait.
    for (let i = 0; i < 40; i++) env.graphPacer.reserve(tenantId, env.clock.now());
    await env.process(env.message);
    const [deferred] = env.queue.enqueued;
    expect(env.graphCalls).toHaveLength(0);
    expect(deferred!.body.installPacedUntil).toBe(deferred!.notBefore!.toISOString());

    env.clock.advance(deferred!.notBefore!.getTime() - env.clock.now().getTime());
    await env.process(deferred!.body);

    expect(env.graphCalls).toHaveLength(1);
    // The install's own deferral (waiting for Teams' install events) holds no Graph slot.
    expect(env.queue.enqueued[1]!.body.installPacedUntil).toBeUndefined();
  });

  it('Graph 409 (already installed) creates the chat at once, recording no installation', async () => {
    const env = setUp([httpError(409, 'Conflict')]);
    await env.process(env.message);
    expect(env.connector.calls.map((c) => c.kind)).toEqual(['create', 'send']);
    expect(env.deliveries.row(env.message)?.installation).toBeUndefined();
  });

  it("Graph 429 retries after Retry-After and cools down Graph installs in the tenant, not the tenant's Connector sends", async () => {
    const env = setUp([httpError(429, 'TooManyRequests', 4_000)]);
    const result = await env.process(env.message);
    expect(result.outcome).toMatchObject({ outcome: 'retrying', status: 429 });
    const [retry] = env.queue.enqueued;
    expect(retry!.body).toMatchObject({ attempt: env.message.attempt + 1 });
    expect(retry!.notBefore!.getTime() - env.clock.now().getTime()).toBe(4_000);
    expect(env.deliveries.row(env.message)).toMatchObject({ status: 'queued', lastError: { status: 429 } });
    expect(env.graphPacer.reserve(tenantId, env.clock.now())).toBe(4_000);
    expect(env.connectorPacer.reserve(tenantId, 'a:other-chat', env.clock.now()).delayInMs).toBe(0);
  });

  it('a refusal is final: failed with the code and class, the one `failed` line, no Connector call', async () => {
    const env = setUp([httpError(403, 'Forbidden')]);
    const result = await env.process(env.message);
    expect(result.settlement).toEqual({ kind: 'complete' });
    expect(result.outcome).toMatchObject({ outcome: 'failed', code: 'AppBlockedByPolicy', failureClass: 'rejected', status: 403 });
    expect(env.deliveries.row(env.message)).toMatchObject({ status: 'failed', failureClass: 'rejected', lastError: { status: 403, code: 'AppBlockedByPolicy' } });
    expect(env.connector.calls).toHaveLength(0);
    expect(env.queue.enqueued).toHaveLength(0);
  });
});
