import type * as z from 'zod/mini';
import { type FieldErrors, validationError } from '#shared/errors.js';

/** What is wrong with `input` by field name (empty: nothing), for a route that checks several parts. */
export function fieldErrorsOf(schema: z.ZodMiniType, input: unknown, root = 'body'): FieldErrors {
  const result = schema.safeParse(input);
  const fields: FieldErrors = {};
  if (result.success) return fields;
  for (const issue of result.error.issues) {
    const name = issue.path.length ? issue.path.map(String).join('.') : root;
    fields[name] = [...(fields[name] ?? []), issue.message];
  }
  return fields;
}

/** Parses `input` with a zod schema, or throws a `validation` error that names every invalid field. */
export function validate<S extends z.ZodMiniType>(schema: S, input: unknown, root = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw validationError(fieldErrorsOf(schema, input, root));
}
