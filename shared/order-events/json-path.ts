/**
 * A deliberately tiny JSON-path subset: `$` followed by dotted names, each optionally indexed with
 * `[n]` (`$.detail.items[0].sku`). Written by hand because the JSONPath libraries implement filters,
 * wildcards and script expressions this project must never evaluate; this subset is all a field
 * mapping needs, is parsed up front, and reads only own data properties (no getters, no prototype).
 */

export type PathStep = { kind: 'name'; name: string } | { kind: 'index'; index: number };

/** A parsed path: the original text and its steps. */
export interface JsonPath {
  readonly source: string;
  readonly steps: readonly PathStep[];
}

export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

const MAX_PATH_LENGTH = 256;
const MAX_INDEX = 100_000;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const SEGMENT = /^\.([A-Za-z0-9_-]+)((?:\[\d+\])*)/;

/** Parses `path`, throwing JsonPathError with a readable reason for anything outside the subset. */
export function parseJsonPath(path: unknown): JsonPath {
  if (typeof path !== 'string') throw new JsonPathError('must be a string');
  if (path.length > MAX_PATH_LENGTH) throw new JsonPathError(`must be at most ${MAX_PATH_LENGTH} characters`);
  if (!path.startsWith('$')) throw new JsonPathError('must start with $');
  const steps: PathStep[] = [];
  let rest = path.slice(1);
  if (rest === '') throw new JsonPathError('must name at least one field after $ (e.g. $.detail.orderId)');
  while (rest !== '') {
    const match = SEGMENT.exec(rest);
    if (!match) {
      throw new JsonPathError(
        `unsupported syntax at "${rest.slice(0, 20)}": only .name segments (letters, digits, _ and -) with optional [n] indexes`,
      );
    }
    const name = match[1] as string;
    if (FORBIDDEN.has(name)) throw new JsonPathError(`segment "${name}" is not allowed`);
    steps.push({ kind: 'name', name });
    for (const [, digits] of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) {
      const index = Number(digits);
      if (index > MAX_INDEX) throw new JsonPathError(`index ${digits} is larger than ${MAX_INDEX}`);
      steps.push({ kind: 'index', index });
    }
    rest = rest.slice(match[0].length);
  }
  return { source: path, steps };
}

/** True when `path` is inside the supported subset. */
export function isJsonPath(path: unknown): boolean {
  try {
    parseJsonPath(path);
    return true;
  } catch {
    return false;
  }
}

/** An own data property's value; never runs a getter and never reads the prototype chain. */
function own(target: object, key: string | number): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}

/**
 * The value at `path` inside `root`, or undefined when any step is missing or of the wrong type
 * (a name on an array or primitive, an index on a non-array or out of range). Never throws.
 */
export function readJsonPath(root: unknown, path: JsonPath): unknown {
  let current: unknown = root;
  try {
    for (const step of path.steps) {
      if (typeof current !== 'object' || current === null) return undefined;
      if (step.kind === 'name') {
        if (Array.isArray(current)) return undefined;
        current = own(current, step.name);
      } else {
        if (!Array.isArray(current) || step.index >= current.length) return undefined;
        current = own(current, step.index);
      }
    }
  } catch {
    return undefined; // e.g. a Proxy whose trap throws; JSON-parsed input never gets here
  }
  return current;
}
