import { z } from 'zod';

import { callbackHeaderNames, verifyCallbackSignature } from '../../shared/callbacks/callbackSignature';
import { withBody } from './controlBodies';
import { type EmulatorRouter, type RouteParams } from './emulatorRouter';
import { type IncomingExchange, jsonReply, type Reply } from './httpExchange';

/** One POST that reached `/callbacks/{name}`, signed correctly or not. */
export interface ReceivedCallback {
  name: string;
  receivedAt: string;
  eventId: string | undefined;
  /** The signature checked with the configured secret (callbackSignature.ts), and why not when it failed. */
  signatureValid: boolean;
  signatureProblem?: string;
  /** The answer the receiver gave: 200, 401 for a bad signature, or what an answer plan said. */
  answeredWith: number | 'hang' | 'reset';
  body: unknown;
}

/** Kept newest last; older arrivals are dropped past this. */
const maxKept = 1_000;

const answerSchema = z.union([z.number().int().min(100).max(599), z.literal('hang'), z.literal('reset')]);
const answerPlanSchema = z.object({ name: z.string().min(1), answers: z.array(answerSchema).max(100) }).strict();

/**
 * A small status-callback receiver inside the emulator, so `npm start` users and tests see callbacks arrive:
 * `POST /callbacks/{name}` records every arrival with its signature check; `GET /_control/callbacks` lists
 * them (`?name=` filters); `PUT /_control/callbacks/answers` `{ name, answers: [500, 500] }` makes the next
 * arrivals for that name answer so (then 200), to watch the gateway retry; `DELETE /_control/callbacks` clears.
 */
export class CallbackReceiver {
  private readonly received: ReceivedCallback[] = [];
  private readonly plans = new Map<string, (number | 'hang' | 'reset')[]>();

  constructor(private readonly options: { secret: string; now: () => number }) {}

  register(router: EmulatorRouter): void {
    router
      .add('POST', '/callbacks/{name}', (e, p) => this.receive(e, p))
      .add('GET', '/_control/callbacks', (e) => {
        const name = e.query.get('name');
        return jsonReply(200, { callbacks: name === null ? this.received : this.received.filter((r) => r.name === name) });
      })
      .add('DELETE', '/_control/callbacks', () => {
        this.reset();
        return jsonReply(200, { cleared: true });
      })
      .add('PUT', '/_control/callbacks/answers', (e) =>
        withBody(e, answerPlanSchema, (plan) => {
          this.plans.set(plan.name, [...plan.answers]);
          return jsonReply(200, plan);
        }),
      );
  }

  reset(): void {
    this.received.length = 0;
    this.plans.clear();
  }

  private receive(exchange: IncomingExchange, params: RouteParams): Reply {
    const name = params.name ?? '';
    const header = (headerName: string): string | undefined => {
      const value = exchange.headers[headerName.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    };
    const check = verifyCallbackSignature(
      this.options.secret,
      { timestamp: header(callbackHeaderNames.timestamp), signature: header(callbackHeaderNames.signature) },
      exchange.bodyText,
      new Date(this.options.now()),
    );
    const planned = this.plans.get(name)?.shift() ?? 200;
    // A receiver that cannot verify the signature must refuse it; 401 is final for the gateway.
    const answer = !check.valid && planned === 200 ? 401 : planned;
    let body: unknown;
    try {
      body = JSON.parse(exchange.bodyText) as unknown;
    } catch {
      body = exchange.bodyText;
    }
    const arrival: ReceivedCallback = { name, receivedAt: new Date(this.options.now()).toISOString(), eventId: header(callbackHeaderNames.eventId), signatureValid: check.valid, answeredWith: answer, body };
    if (!check.valid) arrival.signatureProblem = check.reason;
    this.received.push(arrival);
    if (this.received.length > maxKept) this.received.splice(0, this.received.length - maxKept);
    if (answer === 'hang' || answer === 'reset') return { status: 0, drop: answer };
    if (!check.valid) return jsonReply(answer, { error: { code: 'BadSignature', message: check.reason } });
    return jsonReply(answer, answer < 300 ? { received: true } : { error: { code: 'Planned', message: `planned answer ${answer}` } });
  }
}
