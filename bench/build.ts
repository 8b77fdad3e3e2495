/**
 * Bundles every Lambda entry in functions/ and every baseline with the stack's own esbuild options
 * (infra/bundling.ts, imported rather than restated, so the harness cannot drift from the stack), and
 * reports each bundle's minified and gzipped size, its AWS SDK clients and its five largest inputs
 * from esbuild's metafile. Output goes to bench/.out/ (git-ignored).
 *
 *   npx tsx bench/build.ts          # prints the sizes
 *   BENCH_FUNCTIONS_DIR=/tmp/copy/functions npx tsx bench/build.ts   # a candidate change, elsewhere
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { toEsbuildOptions } from '#infra/bundling.js';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(BENCH_DIR, '..');
export const OUT_DIR = join(BENCH_DIR, '.out');
/**
 * The Lambda entries measured as "project". BENCH_FUNCTIONS_DIR points the harness at another
 * checkout's functions/ (e.g. a scratch copy with a candidate fix), to measure a change before making it.
 */
const FUNCTIONS_DIR = process.env.BENCH_FUNCTIONS_DIR || join(ROOT, 'functions');

export type Variant = 'project' | 'floor' | 'peer';
export const VARIANTS: readonly Variant[] = ['project', 'floor', 'peer'];

/** The floor that does the same work with the same AWS clients, per project entry (bundle budget). */
export const FLOOR_OF_ENTRY: Record<string, string> = {
  signup: 'signup',
  me: 'dashboard',
  'create-transactions': 'transactions',
  'refund-transaction': 'refund',
  'credit-customer': 'credit',
  'order-consumer': 'orders',
  'partnero-webhook': 'webhook',
};

export interface InputSize {
  path: string;
  bytes: number;
}

export interface BundleInfo {
  variant: Variant;
  name: string;
  entry: string;
  outfile: string;
  bytes: number;
  gzipBytes: number;
  /** `@aws-sdk/client-*` packages in the bundle. */
  awsClients: string[];
  /** The five largest inputs (files) by bytes in the output. */
  largestInputs: InputSize[];
  /** The five largest packages (node_modules) or project folders, by bytes in the output. */
  largestPackages: InputSize[];
}

const tsEntries = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .map((f) => basename(f, '.ts'))
    .sort();

/** `node_modules/@aws-sdk/client-sqs/dist-es/x.js` → `@aws-sdk/client-sqs`; project files → their folder. */
export function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at === -1) return dirname(input);
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return (parts[0] ?? '').startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? input);
}

function topBy(entries: Iterable<[string, number]>, n = 5): InputSize[] {
  return [...entries]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([path, bytes]) => ({ path, bytes }));
}

function describe(metafile: Metafile, outfile: string) {
  const output = metafile.outputs[relative(process.cwd(), outfile)];
  if (!output) throw new Error(`esbuild metafile has no output ${outfile}`);
  const inputs = Object.entries(output?.inputs ?? {}).map(
    ([path, i]) => [path, i.bytesInOutput] as [string, number],
  );
  const packages = new Map<string, number>();
  for (const [path, bytes] of inputs)
    packages.set(packageOf(path), (packages.get(packageOf(path)) ?? 0) + bytes);
  const awsClients = [...packages.keys()].filter((p) => p.startsWith('@aws-sdk/client-')).sort();
  return { largestInputs: topBy(inputs), largestPackages: topBy(packages), awsClients };
}

interface Job {
  variant: Variant;
  name: string;
  entry: string;
}

const outfileOf = (job: Job) => join(OUT_DIR, 'bundles', job.variant, `${job.name}.mjs`);

/**
 * Builds all bundles in one esbuild run: the shared options from `toEsbuildOptions`, with its single
 * entry/outfile swapped for the list of entries (no code splitting, so every output is the same
 * self-contained bundle a build of that entry alone gives; esbuild just parses shared modules once).
 */
async function bundleAll(jobs: Job[], sdkDefaults = false): Promise<BundleInfo[]> {
  const first = jobs[0] as Job;
  const {
    entryPoints: _single,
    outfile: _outfile,
    alias,
    ...shared
  } = toEsbuildOptions(first.entry, outfileOf(first));
  const result = await build({
    // The baselines are what a careful engineer bundles by hand: the SDK as it comes, default
    // credential chain included. Only the project's bundles get the stack's environment provider.
    ...(sdkDefaults ? {} : { alias }),
    ...shared,
    entryPoints: jobs.map((job) => ({ in: job.entry, out: join(job.variant, job.name) })),
    outdir: join(OUT_DIR, 'bundles'),
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'warning',
  });
  const metafileName = sdkDefaults ? 'metafile-baselines.json' : 'metafile.json';
  writeFileSync(join(OUT_DIR, 'bundles', metafileName), JSON.stringify(result.metafile));
  return jobs.map((job) => {
    const outfile = outfileOf(job);
    const code = readFileSync(outfile);
    return {
      variant: job.variant,
      name: job.name,
      entry: relative(ROOT, job.entry),
      outfile,
      bytes: code.byteLength,
      gzipBytes: gzipSync(code, { level: 9 }).byteLength,
      ...describe(result.metafile, outfile),
    };
  });
}

/** The harness's own child scripts (plain Node, not Lambda bundles). */
async function buildChildren(): Promise<void> {
  await build({
    entryPoints: [join(BENCH_DIR, 'child', 'cold.ts'), join(BENCH_DIR, 'child', 'warm.ts')],
    outdir: join(OUT_DIR, 'child'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
}

export async function buildAll(): Promise<BundleInfo[]> {
  rmSync(join(OUT_DIR, 'bundles'), { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const jobs: Job[] = [];
  const project: Job[] = tsEntries(FUNCTIONS_DIR).map((name) => ({
    variant: 'project',
    name,
    entry: join(FUNCTIONS_DIR, `${name}.ts`),
  }));
  for (const variant of ['floor', 'peer'] as const) {
    const dir = join(BENCH_DIR, 'baselines', variant);
    for (const name of tsEntries(dir)) {
      // Helpers beside the baselines (no `handler`) are not bundles of their own.
      if (!readFileSync(join(dir, `${name}.ts`), 'utf8').includes('export const handler')) continue;
      jobs.push({ variant, name, entry: join(dir, `${name}.ts`) });
    }
  }
  const [own, baselines] = await Promise.all([bundleAll(project), bundleAll(jobs, true), buildChildren()]);
  return [...own, ...baselines];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bundles = await buildAll();
  for (const b of bundles) {
    console.log(
      `${b.variant.padEnd(8)}${b.name.padEnd(22)}${String(b.bytes).padStart(9)} B  gzip ${String(b.gzipBytes).padStart(8)} B  ${b.awsClients.join(', ')}`,
    );
    for (const p of b.largestPackages)
      console.log(`${''.padEnd(30)}${String(p.bytes).padStart(9)} B  ${p.path}`);
  }
}
