import { type z } from 'zod';

import { type RouteParams } from './emulatorRouter';
import { controlError, type IncomingExchange, type Reply } from './httpExchange';

/** Parses a control request body with `schema`; a Reply (400 naming the field) when it does not fit. */
export function parseBody<S extends z.ZodTypeAny>(exchange: IncomingExchange, schema: S): { value: z.output<S> } | Reply {
  let json: unknown;
  try {
    json = exchange.bodyText.trim() === '' ? {} : JSON.parse(exchange.bodyText);
  } catch {
    return controlError(400, 'InvalidJson', 'The request body is not valid JSON.');
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    return controlError(
      400,
      'InvalidRequest',
      result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
      result.error.issues,
    );
  }
  return { value: result.data as z.output<S> };
}

export function withBody<S extends z.ZodTypeAny>(exchange: IncomingExchange, schema: S, act: (value: z.output<S>) => Reply | Promise<Reply>): Reply | Promise<Reply> {
  const parsed = parseBody(exchange, schema);
  return 'status' in parsed ? parsed : act(parsed.value);
}

export function unknownConversation(params: RouteParams): Reply {
  return controlError(404, 'ConversationNotFound', `No conversation '${params.conversationId ?? ''}' in the emulator.`);
}
