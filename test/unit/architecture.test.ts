import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import * as metricNames from '#infra/metric-names.js';
import {
  bundledProjectFiles,
  DEPLOYED,
  FILE_LINE_LIMIT,
  FUNCTION_LINE_LIMIT,
  functionSpans,
  lineCount,
  ROOT,
  tsFilesUnder,
} from '#tools/measure/structure.js';

/** The order consumer is the money path's Lambda: how many of our files a reader of its bundle meets. */
const CONSUMER_FILE_LIMIT = 36;

/**
 * The house rules of the code base, checked on every run: who may import whom, no import cycles in
 * production code, and no HTTP layer in the functions that serve no HTTP.
 */
const PRODUCTION = ['shared', 'functions', 'infra', 'local', 'tools'];

/** Every import specifier of a file (static, dynamic, `import type` and `export … from`). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found = [
    ...text.matchAll(
      /(?:^|\s)(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm,
    ),
  ];
  return found.map((m) => (m[1] ?? m[2] ?? m[3]) as string);
}

/** A specifier resolved to a repository path (`#shared/x.js` → `shared/x.ts`), or undefined for a package. */
function resolve(file: string, spec: string): string | undefined {
  if (spec === '#lambda') return 'shared/lambda/handler.ts';
  if (spec.startsWith('#')) return spec.slice(1).replace(/\.js$/, '.ts');
  if (spec.startsWith('.')) return relative(ROOT, join(ROOT, file, '..', spec)).replace(/\.js$/, '.ts');
  return undefined;
}

const graph = new Map(
  PRODUCTION.flatMap(tsFilesUnder).map((file) => [
    file,
    importsOf(file)
      .map((spec) => resolve(file, spec))
      .filter((target): target is string => target !== undefined),
  ]),
);
const violations = (rule: (file: string, target: string) => boolean) =>
  [...graph].flatMap(([file, targets]) => targets.filter((t) => rule(file, t)).map((t) => `${file} → ${t}`));
const top = (path: string) => path.split('/')[0];

describe('who may import whom', () => {
  it('shared/ is the library: it imports no functions/, infra/, local/, tools/ (nor bench/ or test/)', () => {
    expect(violations((f, t) => top(f) === 'shared' && top(t) !== 'shared')).toEqual([]);
  });

  it('only shared/http imports shared/http: the library is not shaped around HTTP', () => {
    expect(
      violations(
        (f, t) => t.startsWith('shared/http/') && top(f) === 'shared' && !f.startsWith('shared/http/'),
      ),
    ).toEqual([]);
  });

  it('functions/ import only shared/ (infra/ references them by path)', () => {
    expect(violations((f, t) => top(f) === 'functions' && top(t) !== 'shared')).toEqual([]);
    expect(violations((f, t) => top(f) === 'infra' && top(t) === 'functions')).toEqual([]);
  });

  it("shared/ has one barrel, the Partnero client's public face: everything else is imported by name", () => {
    expect([...graph.keys()].filter((f) => top(f) === 'shared' && f.endsWith('/index.ts'))).toEqual([
      'shared/partnero/index.ts',
    ]);
  });

  it('uses subpath imports (#shared/…) across folders, never ../', () => {
    const relativeAcross = [...graph.keys()].flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec.startsWith('../'))
        .map((spec) => `${file} → ${spec}`),
    );
    expect(relativeAcross).toEqual([]);
  });
});

describe('no import cycles in production code', () => {
  it('has none, type-only imports included', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) if (graph.has(target)) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});

describe('bundles', () => {
  it.each(['order-consumer', 'reconciler'])(
    'functions/%s.ts carries no HTTP module',
    async (name) => {
      const inputs = await bundledProjectFiles(name);
      expect(inputs.some((input) => input.startsWith('shared/orders/'))).toBe(true);
      expect(inputs.filter((input) => input.startsWith('shared/http/'))).toEqual([]);
    },
    60_000,
  );
});

describe('size: each concept reads in one screen', () => {
  const deployed = DEPLOYED.flatMap(tsFilesUnder);

  it(`no file of functions/, shared/ or infra/ is over ${FILE_LINE_LIMIT} lines`, () => {
    const long = deployed.filter((file) => lineCount(file) > FILE_LINE_LIMIT);
    expect(long.map((file) => `${file}: ${lineCount(file)} lines`)).toEqual([]);
  });

  it(`no function there is over ${FUNCTION_LINE_LIMIT} lines (nested functions included)`, () => {
    const long = deployed.flatMap(functionSpans).filter((span) => span.lines > FUNCTION_LINE_LIMIT);
    expect(long.map(({ file, name, lines }) => `${file} ${name}: ${lines} lines`)).toEqual([]);
  });

  it(`the order consumer bundles at most ${CONSUMER_FILE_LIMIT} project files, and not the reconciler`, async () => {
    const files = await bundledProjectFiles('order-consumer');
    expect(files.length).toBeLessThanOrEqual(CONSUMER_FILE_LIMIT);
    expect(files.filter((file) => file.includes('reconcile'))).toEqual([]);
  }, 60_000);
});

describe('metric names', () => {
  const deployed = DEPLOYED.flatMap(tsFilesUnder).map((file) => [
    file,
    readFileSync(join(ROOT, file), 'utf8'),
  ]);
  /** The files of deployed code that write `name` as a string literal, once per occurrence. */
  const literals = (name: string) =>
    deployed.flatMap(([file, text]) =>
      [...(text as string).matchAll(new RegExp(`['"]${name}['"]`, 'g'))].map(() => file),
    );

  it('each metric name is written once in deployed code (its emitter and the dashboard share it)', () => {
    const catalogue = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === 'string') catalogue.add(value);
      else if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(Object.values(metricNames));
    const direct = deployed.flatMap(([, text]) =>
      [...(text as string).matchAll(/addMetric\(\s*'([A-Za-z]+)'/g)].map((m) => m[1] as string),
    );
    const names = [...new Set([...catalogue, ...direct])].filter((name) => /^[A-Z][A-Za-z]+$/.test(name));
    expect(names.length).toBeGreaterThan(20);
    const repeated = names.filter((name) => literals(name).length !== 1);
    expect(repeated.map((name) => `${name}: ${literals(name).join(', ')}`)).toEqual([]);
  });
});
