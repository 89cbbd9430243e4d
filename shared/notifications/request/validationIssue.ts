import { type ZodIssue } from 'zod';

import { errorCodes, type ErrorDetail, GatewayError } from '../../errors';
import { formatJsonPath, type JsonPathSegments } from './jsonPath';

/** One problem found in a request body, before its path is formatted for the response. */
export interface ValidationIssue {
  path: JsonPathSegments;
  message: string;
}

/** What every parser here returns: the typed value, or the coded error an HTTP adapter turns into 400/413. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; error: GatewayError };

/** A response lists this many problems at most; a body with thousands of bad targets gets a readable answer. */
export const maxReportedIssues = 100;

/**
 * Zod's issues as ours. An unknown field is reported at its own path (`targets[0].foo`) rather than as a
 * list on its parent, so a caller sees exactly which key to remove.
 */
export function fromZodIssues(issues: readonly ZodIssue[], basePath: JsonPathSegments = []): ValidationIssue[] {
  return issues.flatMap((issue): ValidationIssue[] => {
    const path = [...basePath, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: `Unknown field "${key}"; ${issue.message}` }));
    }
    return [{ path, message: issue.message }];
  });
}

export function badRequest(summary: string, issues: readonly ValidationIssue[]): GatewayError {
  const details: ErrorDetail[] = issues.slice(0, maxReportedIssues).map((issue) => ({ path: formatJsonPath(issue.path), message: issue.message }));
  if (issues.length > maxReportedIssues) {
    details.push({ path: '', message: `${issues.length - maxReportedIssues} more problems not listed; fix the ones above first` });
  }
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return new GatewayError(errorCodes.BadRequest, `${summary} (${count}; see details)`, details);
}
