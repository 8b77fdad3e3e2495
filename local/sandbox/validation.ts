import { HttpError } from './errors.js';

/** Collects Laravel-style per-field errors; `throwIfAny` turns them into one 422. */
export class Errors {
  readonly fields: Record<string, string[]> = {};

  add(field: string, message: string): void {
    this.fields[field] ??= [];
    this.fields[field].push(message);
  }

  has(field: string): boolean {
    return field in this.fields;
  }

  throwIfAny(): void {
    const messages = Object.values(this.fields).flat();
    const first = messages[0];
    if (first === undefined) return;
    const more = messages.length - 1;
    const message = more > 0 ? `${first} (and ${more} more error${more > 1 ? 's' : ''})` : first;
    throw new HttpError(422, message, this.fields);
  }
}

export function fail(field: string, message: string): never {
  const errors = new Errors();
  errors.add(field, message);
  errors.throwIfAny();
  throw new Error('unreachable');
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const EMAIL_RE =
  /^[^\s@"<>()[\],;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export const isEmail = (value: string): boolean => value.length <= 255 && EMAIL_RE.test(value);

/** A real calendar date written YYYY-MM-DD. */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

interface StringRule {
  required?: boolean;
  nullable?: boolean;
  max?: number;
}

/**
 * Reads `obj[key]` as a string reported under `field`. Returns undefined when absent (or invalid:
 * the error is recorded), null when explicitly null and allowed.
 */
export function readString(
  obj: Record<string, unknown>,
  key: string,
  field: string,
  errors: Errors,
  rule: StringRule = {},
): string | null | undefined {
  const value = obj[key];
  if (value === undefined || (value === null && !rule.nullable)) {
    if (rule.required) errors.add(field, `The ${field} field is required.`);
    return undefined;
  }
  if (value === null) return null;
  if (typeof value !== 'string') {
    errors.add(field, `The ${field} must be a string.`);
    return undefined;
  }
  if (value.length === 0) {
    errors.add(field, `The ${field} field must not be empty.`);
    return undefined;
  }
  const max = rule.max ?? 255;
  if (value.length > max) {
    errors.add(field, `The ${field} must not be greater than ${max} characters.`);
    return undefined;
  }
  return value;
}

export function readNumber(
  obj: Record<string, unknown>,
  key: string,
  field: string,
  errors: Errors,
  opts: { required?: boolean; positive?: boolean } = {},
): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (opts.required) errors.add(field, `The ${field} field is required.`);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    errors.add(field, `The ${field} must be a number.`);
    return undefined;
  }
  if (opts.positive && value <= 0) {
    errors.add(field, `The ${field} must be greater than 0.`);
    return undefined;
  }
  return value;
}

export function readBoolean(
  obj: Record<string, unknown>,
  key: string,
  field: string,
  errors: Errors,
  opts: { required?: boolean } = {},
): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (opts.required) errors.add(field, `The ${field} field is required.`);
    return undefined;
  }
  if (typeof value !== 'boolean') {
    errors.add(field, `The ${field} field must be true or false.`);
    return undefined;
  }
  return value;
}

/** Reads an optional nested object; a non-object is an error. */
export function readObject(
  obj: Record<string, unknown>,
  key: string,
  field: string,
  errors: Errors,
  opts: { required?: boolean } = {},
): Record<string, unknown> | null | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (opts.required) errors.add(field, `The ${field} field is required.`);
    return value === null ? null : undefined;
  }
  if (!isObject(value)) {
    errors.add(field, `The ${field} must be an object.`);
    return undefined;
  }
  return value;
}

// toFixed first so binary noise such as 1.005 * 100 = 100.49999… still rounds half up.
export const roundCents = (value: number): number => Math.round(Number((value * 100).toFixed(6))) / 100;
