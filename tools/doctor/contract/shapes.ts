import { type CustomerRef, isPartneroError } from '#shared/partnero/index.js';
import { isObj, unwrap } from '#shared/partnero/shapes.js';
import type { Step } from './observations.js';
import type { Exchange } from './recorder.js';

/** How the checks describe what Partnero sent: field names and forms, never values that could be private. */

export const fieldsOf = (v: unknown): string[] => (isObj(v) ? Object.keys(v) : []);

/** `{a, b, c}` for an object, `[]` for an empty list, `[{a, b}]` for a list of objects, else the type. */
export function formOf(v: unknown): string {
  if (v === undefined) return 'absent';
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const forms = [...new Set(v.map(formOf))];
    return `[${forms.join(' | ')}]`;
  }
  if (isObj(v)) return `{${Object.keys(v).join(', ')}}`;
  return typeof v;
}

/** The object a single-resource answer carries (`data`, or the bare body). */
export const payloadOf = (exchange: Exchange | undefined): unknown => {
  const data = unwrap(exchange?.body);
  return Array.isArray(data) ? data[0] : data;
};

/** The rows of a list answer (`data`, or a bare array). */
export const rowsOf = (exchange: Exchange | undefined): unknown[] => {
  const data = unwrap(exchange?.body);
  return Array.isArray(data) ? data : [];
};

/** "HTTP 201", "HTTP 204 (no body)", or "no answer". */
export function answerOf(exchange: Exchange | undefined): string {
  if (!exchange || exchange.status === null) return 'no answer';
  return exchange.text.trim() === ''
    ? `HTTP ${exchange.status} (no body)`
    : `HTTP ${exchange.status} ${formOf(exchange.body)}`;
}

export const is2xx = (exchange: Exchange | undefined) =>
  exchange?.status !== null &&
  exchange?.status !== undefined &&
  exchange.status >= 200 &&
  exchange.status < 300;

/** Why a step failed, in one phrase. */
export function failureOf(step: Step<unknown> | undefined): string {
  if (!step) return 'not run';
  if (step.error) return `${step.error.code ?? 'error'}: ${step.error.message}`;
  return answerOf(step.exchange);
}

export function errorOf(e: unknown): Step<never>['error'] {
  return { code: isPartneroError(e) ? e.code : null, message: e instanceof Error ? e.message : String(e) };
}

/** Which of a customer's identifiers a reference carries ("the referrer's id"), or null if none of them. */
export function namedBy(
  ref: CustomerRef | null,
  customer: { id: string; key: string; email?: string | undefined },
): 'id' | 'key' | 'email' | null {
  if (!ref) return null;
  if (ref.id === customer.id || ref.identifier === customer.id) return 'id';
  if (ref.key === customer.key || ref.identifier === customer.key) return 'key';
  if (customer.email && (ref.email === customer.email || ref.identifier === customer.email)) return 'email';
  return null;
}
