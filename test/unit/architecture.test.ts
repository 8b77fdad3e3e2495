import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';
import { toEsbuildOptions } from '#infra/bundling.js';

/**
 * The house rules of the code base, checked on every run: who may import whom, no import cycles in
 * production code, and no HTTP layer in the functions that serve no HTTP.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PRODUCTION = ['shared', 'functions', 'infra', 'local', 'tools'];

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

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
  if (spec.startsWith('#')) return spec.slice(1).replace(/\.js$/, '.ts');
  if (spec.startsWith('.')) return relative(ROOT, join(ROOT, file, '..', spec)).replace(/\.js$/, '.ts');
  return undefined;
}

const graph = new Map(
  PRODUCTION.flatMap(filesUnder).map((file) => [
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
      const result = await build({
        ...toEsbuildOptions(
          join(ROOT, 'functions', `${name}.ts`),
          join(ROOT, 'bench', '.out', 'arch', `${name}.mjs`),
        ),
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const inputs = Object.keys(result.metafile?.inputs ?? {});
      expect(inputs.some((input) => input.startsWith('shared/orders/'))).toBe(true);
      expect(inputs.filter((input) => input.startsWith('shared/http/'))).toEqual([]);
    },
    60_000,
  );
});
