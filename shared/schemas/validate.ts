import type * as z from 'zod/mini';
import { type FieldErrors, validationError } from '#shared/errors.js';

/** Parses `input` with a zod schema, or throws a `validation` error that names every invalid field. */
export function validate<S extends z.ZodMiniType>(schema: S, input: unknown, root = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const name = issue.path.length ? issue.path.map(String).join('.') : root;
    fields[name] = [...(fields[name] ?? []), issue.message];
  }
  throw validationError(fields);
}
