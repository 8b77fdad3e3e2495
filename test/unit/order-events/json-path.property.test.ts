import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  isJsonPath,
  JsonPathError,
  type PathStep,
  parseJsonPath,
  readJsonPath,
} from '#shared/order-events/mapping.js';

/** Fixed seed: a failure replays the same way on every machine. */
const RUNS = { seed: 20260304, numRuns: 400 } as const;

/**
 * Counts the runs that reached a property's assertions: a property that returns early or skips (fc.pre)
 * passes vacuously when its generator misses, so each such test asserts how many cases it really hit.
 */
const counter = () => {
  const hits = new Map<string, number>();
  return {
    hit: (kind = 'hit') => hits.set(kind, (hits.get(kind) ?? 0) + 1),
    of: (kind = 'hit') => hits.get(kind) ?? 0,
  };
};

/** How many cases of each kind the fixed seed reaches at least (it reaches more; a generator that misses does not). */
const ACCEPTED_MIN = 15;
const REFUSED_MIN = 150;
const VALID_TEXT_MIN = 25;
const BIG_INDEX_MIN = 200;
const BROKEN_MIN = 30;

const FORBIDDEN = ['__proto__', 'constructor', 'prototype'] as const;
/** Names every plain object or array inherits: a reader that looked at the prototype would find them. */
const INHERITED = [
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
  'length',
  'map',
];

/** Characters of the path grammar and just outside it, so near-misses come up often. */
const pathish = fc.string({
  unit: fc.constantFrom(
    '$',
    '.',
    '[',
    ']',
    '0',
    '1',
    '9',
    'a',
    'Z',
    '_',
    '-',
    ' ',
    '*',
    '@',
    '?',
    '"',
    "'",
    '\\',
    'é',
  ),
  maxLength: 30,
});
const segmentName = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/) },
  { weight: 1, arbitrary: fc.constantFrom(...INHERITED, 'detail', 'detail-type', '0', '-', '_') },
);
type Segment = { name: string; indexes: number[] };
const segment = fc.record({ name: segmentName, indexes: fc.array(fc.nat({ max: 4 }), { maxLength: 2 }) });
const segments = fc
  .array(segment, { minLength: 1, maxLength: 6 })
  .filter((segs) => segs.every((s) => !(FORBIDDEN as readonly string[]).includes(s.name)));
const print = (segs: readonly Segment[]) =>
  `$${segs.map((s) => `.${s.name}${s.indexes.map((i) => `[${i}]`).join('')}`).join('')}`;
const stepsOf = (segs: readonly Segment[]): PathStep[] =>
  segs.flatMap((s) => [
    { kind: 'name' as const, name: s.name },
    ...s.indexes.map((index) => ({ kind: 'index' as const, index })),
  ]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const jsonValue = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;

/**
 * `value` placed at `steps`, inside containers that also hold noise: sibling keys (the noise never uses
 * the step's own name), and array slots before and after the index.
 */
function build(steps: readonly PathStep[], value: unknown, noise: readonly Json[]): unknown {
  let inner: unknown = value;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i] as PathStep;
    const filler = noise[i % Math.max(1, noise.length)] ?? null;
    if (step.kind === 'name') inner = { [`~${i}`]: filler, [step.name]: inner, [`${step.name}~`]: filler };
    else inner = [...Array.from({ length: step.index }, () => filler), inner, filler];
  }
  return inner;
}

/** A valid path with one character inserted, deleted or replaced: mostly near-misses, sometimes still valid. */
const mutated = fc
  .tuple(
    segments,
    fc.nat(),
    fc.constantFrom('insert', 'delete', 'replace'),
    fc.constantFrom(...'$.[]0a_-*@ "\\é'),
  )
  .map(([segs, at, how, char]) => {
    const text = print(segs);
    const i = at % (text.length + 1);
    if (how === 'insert') return `${text.slice(0, i)}${char}${text.slice(i)}`;
    return `${text.slice(0, i)}${how === 'replace' ? char : ''}${text.slice(i + 1)}`;
  });
const anyPathText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  pathish,
  pathish.map((s) => `$${s}`),
  pathish.map((s) => `$.${s}`),
  mutated,
  mutated,
);

describe('isJsonPath / parseJsonPath (property)', () => {
  it('isJsonPath never throws on any value, and parseJsonPath throws only JsonPathError', () => {
    const cases = counter();
    fc.assert(
      fc.property(fc.oneof(anyPathText, fc.anything()), (input) => {
        const accepted = isJsonPath(input);
        expect(typeof accepted).toBe('boolean');
        try {
          parseJsonPath(input);
          expect(accepted).toBe(true);
          cases.hit('accepted');
        } catch (e) {
          expect(e).toBeInstanceOf(JsonPathError);
          expect((e as Error).message.length).toBeGreaterThan(0);
          expect(accepted).toBe(false);
          cases.hit('refused');
        }
      }),
      RUNS,
    );
    expect(cases.of('accepted')).toBeGreaterThan(ACCEPTED_MIN);
    expect(cases.of('refused')).toBeGreaterThan(REFUSED_MIN);
  });

  it('every path isJsonPath accepts parses into name-first steps within the documented limits', () => {
    const cases = counter();
    fc.assert(
      fc.property(anyPathText, (text) => {
        if (!isJsonPath(text)) return;
        cases.hit();
        const path = parseJsonPath(text);
        expect(path.source).toBe(text);
        expect(text.length).toBeLessThanOrEqual(256);
        expect(path.steps[0]?.kind).toBe('name');
        for (const step of path.steps) {
          if (step.kind === 'name') {
            expect(step.name).toMatch(/^[A-Za-z0-9_-]+$/);
            expect(FORBIDDEN).not.toContain(step.name);
          } else {
            expect(Number.isSafeInteger(step.index) && step.index >= 0 && step.index <= 100_000).toBe(true);
          }
        }
      }),
      RUNS,
    );
    expect(cases.of()).toBeGreaterThan(VALID_TEXT_MIN);
  });

  it('parses any generated path ($ + .name segments + [n] indexes) into exactly its steps', () => {
    fc.assert(
      fc.property(segments, (segs) => {
        const text = print(segs);
        expect(isJsonPath(text)).toBe(true);
        expect(parseJsonPath(text)).toEqual({ source: text, steps: stepsOf(segs) });
      }),
      RUNS,
    );
  });

  it('refuses a path with a __proto__, constructor or prototype segment wherever it is', () => {
    fc.assert(
      fc.property(
        segments,
        fc.nat(),
        fc.constantFrom(...FORBIDDEN),
        fc.array(fc.nat({ max: 3 }), { maxLength: 2 }),
        (segs, at, name, indexes) => {
          const withForbidden = [...segs];
          withForbidden.splice(at % (segs.length + 1), 0, { name, indexes });
          const text = print(withForbidden);
          expect(isJsonPath(text)).toBe(false);
          expect(() => parseJsonPath(text)).toThrow(new JsonPathError(`segment "${name}" is not allowed`));
        },
      ),
      RUNS,
    );
  });

  it('refuses a path over 256 characters or with an index over 100000', () => {
    const cases = counter();
    fc.assert(
      fc.property(segments, fc.integer({ min: 100_001, max: 10 ** 12 }), (segs, big) => {
        const long = `${print(segs)}${'.abcdefghij'.repeat(26)}`;
        expect(isJsonPath(long)).toBe(false);
        const indexed = `${print(segs)}[${big}]`;
        fc.pre(indexed.length <= 256);
        cases.hit();
        expect(isJsonPath(indexed)).toBe(false);
      }),
      RUNS,
    );
    expect(cases.of()).toBeGreaterThan(BIG_INDEX_MIN);
  });
});

describe('readJsonPath (property)', () => {
  it('reads back the value that was put at a generated path, in the object and after a JSON round trip', () => {
    fc.assert(
      fc.property(segments, jsonValue, fc.array(jsonValue, { maxLength: 3 }), (segs, value, noise) => {
        const path = parseJsonPath(print(segs));
        const sentinel = { sentinel: true };
        expect(readJsonPath(build(path.steps, sentinel, noise), path)).toBe(sentinel);
        const parsed = JSON.parse(JSON.stringify(build(path.steps, value, noise)));
        expect(readJsonPath(parsed, path)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      RUNS,
    );
  });

  it('never throws on any root and never returns an inherited member (functions, prototypes)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.jsonValue(),
          fc.constantFrom({}, [], [1, 2], Object.create(null), 'text', 7),
        ),
        segments,
        (root, segs) => {
          const path = parseJsonPath(print(segs));
          const value = readJsonPath(root, path);
          expect(typeof value).not.toBe('function');
          if (value !== undefined && value !== null && typeof value === 'object') {
            expect(value).not.toBe(Object.prototype);
            expect(value).not.toBe(Array.prototype);
          }
        },
      ),
      RUNS,
    );
  });

  it('is undefined once a step is missing or of the wrong kind', () => {
    const cases = counter();
    fc.assert(
      fc.property(
        segments,
        jsonValue,
        fc.constantFrom('extra-name', 'index', 'out-of-range'),
        (segs, value, how) => {
          const path = parseJsonPath(print(segs));
          const root = JSON.parse(JSON.stringify(build(path.steps, 'leaf', [])));
          const last = path.steps.at(-1) as PathStep;
          const broken: PathStep[] =
            how === 'extra-name'
              ? [...path.steps, { kind: 'name', name: 'deeper' }] // a name on a string
              : how === 'index'
                ? [
                    ...path.steps.slice(0, -1),
                    ...(last.kind === 'name' ? [{ kind: 'index' as const, index: 0 }] : []),
                  ]
                : [...path.steps.slice(0, -1), last.kind === 'index' ? { kind: 'index', index: 99 } : last];
          fc.pre(how !== 'index' || last.kind === 'name');
          fc.pre(how !== 'out-of-range' || last.kind === 'index');
          cases.hit(how);
          expect(readJsonPath(root, { source: 'broken', steps: broken })).toBeUndefined();
          expect(readJsonPath(value, path) === undefined || typeof value === 'object').toBe(true);
        },
      ),
      RUNS,
    );
    for (const how of ['extra-name', 'index', 'out-of-range'])
      expect(cases.of(how)).toBeGreaterThan(BROKEN_MIN);
  });
});
