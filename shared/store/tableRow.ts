import { type z } from 'zod';

import { errorCodes, GatewayError } from '../errors';

/** An entity as the Table adapters write it: its keys and its columns. */
export type TableRow = Record<string, unknown> & { partitionKey: string; rowKey: string };

/** Drops undefined values: an absent column, not a null one (Replace then removes it). */
export function definedColumns<T extends object>(values: T): T {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as T;
}

/** A stored row that does not parse: INTERNAL, naming the kind of row and every mismatch. */
export function corruptRow(what: string, error: z.ZodError): GatewayError {
  return new GatewayError(errorCodes.Internal, `A stored ${what} does not match its schema: ${error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
}
