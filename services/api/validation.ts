/** Validation at the edge: every router parses its body, query and params through `parse` with a zod schema. */
import type { z } from 'zod';
import { AppError } from './errors.js';

export interface ValidationIssue {
  /** Where the issue is, e.g. `body.signers[1]` */
  path: string;
  message: string;
  code: string;
}

function pathOf(where: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    where,
  );
}

/** `value` parsed by `schema`, or a 400 INVALID_REQUEST problem listing each issue (`issues`). */
export function parse<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query' | 'params' | 'headers'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: pathOf(where, issue.path),
    message: issue.message,
    code: issue.code,
  }));
  const first = issues[0];
  const summary = first === undefined ? `Invalid ${where}` : `Invalid ${where}: ${first.path}: ${first.message}`;
  return fail(summary, issues);
}

function fail(summary: string, issues: ValidationIssue[]): never {
  throw new AppError(400, 'INVALID_REQUEST', summary, { details: { issues } });
}

/**
 * 400 INVALID_CURSOR: `cursor` is not a `nextCursor` this listing returned. Every paginated listing answers it for any
 * cursor it cannot use (malformed, empty, from another listing or ordering), so clients handle one code.
 */
export function invalidCursor(cursor: string, cause?: unknown): AppError {
  return new AppError(400, 'INVALID_CURSOR', `The cursor "${cursor.slice(0, 64)}" is not one this listing returned`, {
    ...(cause === undefined ? {} : { cause }),
    details: { cursor: cursor.slice(0, 512) },
  });
}
