import { type z } from 'zod';

import { type ErrorDetail } from '../errors';

/** Zod issues as the API's error details: `path` as `targets[0].tenantId`, and what is wrong there. */
export function zodIssuesToDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text === '' ? part : `${text}.${part}`), ''),
    message: issue.message,
  }));
}
