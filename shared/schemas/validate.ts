import type * as z from 'zod/mini';
import { type FieldErrors, validationError } from '#shared/errors.js';

/** Parses `input` once: its value, or what is wrong with it by field name (for routes with several parts). */
export function parseFields<S extends z.ZodMiniType>(
  schema: S,
  input: unknown,
  root = 'body',
): { ok: true; data: z.output<S> } | { ok: false; fields: FieldErrors } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data };
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const name = issue.path.length ? issue.path.map(String).join('.') : root;
    fields[name] = [...(fields[name] ?? []), issue.message];
  }
  return { ok: false, fields };
}

/** Parses `input` with a zod schema, or throws a `validation` error that names every invalid field. */
export function validate<S extends z.ZodMiniType>(schema: S, input: unknown, root = 'body'): z.output<S> {
  const parsed = parseFields(schema, input, root);
  if (parsed.ok) return parsed.data;
  throw validationError(parsed.fields);
}
