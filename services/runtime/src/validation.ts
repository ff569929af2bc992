import type { z } from 'zod';
import { HttpProblem, type FieldError } from './problem.js';

function toFieldErrors(issues: readonly z.core.$ZodIssue[], prefix: string): FieldError[] {
  const join = (path: readonly PropertyKey[]): string =>
    [prefix, ...path.map(String)].filter((part) => part !== '').join('.') || '(body)';
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: join([...issue.path, key]), message: 'unknown field' }))
      : [{ field: join(issue.path), message: issue.message }],
  );
}

/**
 * Parses `value` with `schema`, or throws a 400 problem naming every failing field.
 * `where` prefixes field names for non-body inputs (`query`, a header name).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = toFieldErrors(result.error.issues, where);
    throw new HttpProblem(400, `Invalid input: ${errors.map((e) => e.field).join(', ')}`, { errors });
  }
  return result.data;
}

/**
 * No control characters (Unicode `Cc`: NUL, line breaks, tabs, ESC, DEL…): for names and any other
 * free text. Without it a NUL reached PostgreSQL (`22021`, a 500) and line breaks reached logs.
 */
export const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;
export const CONTROL_CHARACTERS_MESSAGE = 'control characters are not allowed';
