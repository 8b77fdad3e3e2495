/**
 * EventBridge event pattern matching, for the subset of the pattern language a rule here may use:
 * exact values, `prefix`, `suffix`, `equals-ignore-case`, `exists`, `anything-but` (values or a
 * prefix) and `numeric` comparisons, nested to any depth. A field matches when any of the pattern's
 * values matches the event value (or, for an array value, any of its elements).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 */
export type EventPattern = { [field: string]: EventPattern | readonly Matcher[] };
export type Matcher = string | number | boolean | null | Readonly<Record<string, unknown>>;

/** Thrown for a pattern this matcher does not understand (so a typo never silently matches nothing). */
export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isScalar = (v: unknown): v is string | number | boolean | null =>
  v === null || ['string', 'number', 'boolean'].includes(typeof v);

function compareNumeric(spec: unknown, value: unknown): boolean {
  if (!Array.isArray(spec) || spec.length % 2 !== 0)
    throw new UnsupportedPatternError('numeric: [op, n, ...]');
  if (typeof value !== 'number') return false;
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const n = spec[i + 1];
    if (typeof n !== 'number') throw new UnsupportedPatternError(`numeric: ${String(op)} needs a number`);
    const ok =
      op === '='
        ? value === n
        : op === '<'
          ? value < n
          : op === '<='
            ? value <= n
            : op === '>'
              ? value > n
              : op === '>='
                ? value >= n
                : undefined;
    if (ok === undefined) throw new UnsupportedPatternError(`numeric operator ${String(op)}`);
    if (!ok) return false;
  }
  return true;
}

function anythingBut(spec: unknown, value: unknown): boolean {
  if (value === undefined) return false;
  if (isObject(spec)) {
    if (typeof spec.prefix !== 'string') throw new UnsupportedPatternError('anything-but: {prefix}');
    return !(typeof value === 'string' && value.startsWith(spec.prefix));
  }
  const excluded = Array.isArray(spec) ? spec : [spec];
  return !excluded.some((e) => e === value);
}

/** One matcher against one scalar event value (`undefined` when the field is absent). */
function matchOne(matcher: Matcher, value: unknown): boolean {
  if (isScalar(matcher)) return value === matcher;
  const entries = Object.entries(matcher);
  const [name, spec] = entries[0] ?? [];
  if (entries.length !== 1 || name === undefined) throw new UnsupportedPatternError(JSON.stringify(matcher));
  switch (name) {
    case 'prefix':
      return typeof value === 'string' && typeof spec === 'string' && value.startsWith(spec);
    case 'suffix':
      return typeof value === 'string' && typeof spec === 'string' && value.endsWith(spec);
    case 'equals-ignore-case':
      return (
        typeof value === 'string' && typeof spec === 'string' && value.toLowerCase() === spec.toLowerCase()
      );
    case 'exists':
      return spec === true ? value !== undefined : value === undefined;
    case 'anything-but':
      return anythingBut(spec, value);
    case 'numeric':
      return compareNumeric(spec, value);
    default:
      throw new UnsupportedPatternError(`operator "${name}"`);
  }
}

function matchField(matchers: readonly Matcher[], value: unknown): boolean {
  if (Array.isArray(value)) {
    // `exists: false` means the field is absent, which an array value never is.
    return value.some((v) => matchers.some((m) => matchOne(m, v)));
  }
  return matchers.some((m) => matchOne(m, isObject(value) ? undefined : value));
}

/** True when `event` (a parsed EventBridge event) matches `pattern`. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  const target = isObject(event) ? event : {};
  return Object.entries(pattern).every(([field, spec]) => {
    const value = Object.hasOwn(target, field) ? target[field] : undefined;
    if (Array.isArray(spec)) return matchField(spec as readonly Matcher[], value);
    if (isObject(spec)) return matchesPattern(spec as EventPattern, value);
    throw new UnsupportedPatternError(`field "${field}" must be an array or an object`);
  });
}
