/**
 * Where a cold start goes — the evidence behind a missed cold-start or bundle budget.
 *
 *   npx tsx bench/profile.ts [--runs=N]
 *
 * 1. Import cost per dependency: tiny probe bundles (built with the stack's options from
 *    infra/bundling.ts) that import one dependency each, imported in fresh `node` processes.
 * 2. CPU profile (`node --cpu-prof`) of importing each project bundle, built unminified with otherwise
 *    the same options so every sample maps back to its package through esbuild's `// path` comments;
 *    self time is summed per package.
 * 3. CPU profile of warm invocations, project and floor side by side (same sandbox, same local AWS):
 *    self time per invocation by package, so a missed warm budget shows where the extra time goes.
 * Writes bench/.out/profile/ (cpuprofiles, profile.json) and prints the tables.
 *
 *   --only=probes|import|warm   one part only;  --invocations=N   warm invocations (default 2000)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { toEsbuildOptions } from '#infra/bundling.js';
import { startSandbox } from '#local/sandbox/index.js';
import { buildAll, OUT_DIR, packageOf, ROOT, type Variant } from './build.js';
import { killAllChildren, lambdaEnv, SECRET_PREFIX, WarmChild } from './lib/children.js';
import { seedFixture } from './lib/fixture.js';
import { flows } from './lib/flows.js';
import { startLocalAws } from './lib/local-aws.js';
import { median } from './lib/stats.js';

const DIR = join(OUT_DIR, 'profile');
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const RUNS = runsArg ? Number(runsArg.slice('--runs='.length)) : 15;
const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const invocationsArg = process.argv.find((a) => a.startsWith('--invocations='));
const INVOCATIONS = invocationsArg ? Number(invocationsArg.slice('--invocations='.length)) : 2000;
const wanted = (part: string) => !onlyArg || onlyArg === part;

/** Probe modules: each imports one dependency the way the project (or a baseline) does. */
const PROBES: Record<string, string> = {
  'nothing (ESM loader baseline)': 'export const x = 1;',
  '@aws-sdk/client-secrets-manager (client created)':
    "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'; export const c = new SecretsManagerClient({});",
  'zod (classic API, one schema)': "import { z } from 'zod'; export const s = z.object({ a: z.string() });",
  'zod/mini (one schema)': "import * as z from 'zod/mini'; export const s = z.object({ a: z.string() });",
  'shared/api/schemas.ts (the project’s schemas)': `export * from '${join(ROOT, 'shared/api/schemas.ts')}';`,
  'shared/observability/logger.ts (Powertools Logger)': `export { logger } from '${join(ROOT, 'shared/observability/logger.ts')}';`,
  '@middy/core': "import middy from '@middy/core'; export const h = middy().handler(async () => 1);",
  '@aws-lambda-powertools/metrics':
    "import { Metrics } from '@aws-lambda-powertools/metrics'; export const m = new Metrics({ namespace: 'n', serviceName: 's' });",
  '@aws-lambda-powertools/idempotency (+ DynamoDB layer)':
    "export { makeIdempotent } from '@aws-lambda-powertools/idempotency'; export { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';",
  '@aws-sdk/client-dynamodb (client created)':
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; export const c = new DynamoDBClient({});",
  'express + cookie-parser + serverless-http (peer)':
    "import express from 'express'; import cookieParser from 'cookie-parser'; import serverless from 'serverless-http'; const app = express(); app.use(cookieParser()); app.use(express.json()); export const h = serverless(app);",
};

const childEnv = {
  PATH: process.env.PATH,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
};

function importMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: childEnv,
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`probe ${file} failed: ${out.stderr}`);
  return Number(out.stdout);
}

async function probes() {
  const dir = join(DIR, 'probes');
  mkdirSync(dir, { recursive: true });
  const rows: { name: string; bytes: number; ms: number }[] = [];
  const names = Object.keys(PROBES);
  const files = names.map((_, i) => join(dir, `probe-${i}.mjs`));
  await Promise.all(
    names.map(async (name, i) => {
      const source = join(dir, `probe-${i}.ts`);
      writeFileSync(source, PROBES[name] as string);
      const { entryPoints: _e, outfile: _o, ...shared } = toEsbuildOptions(source, files[i] as string);
      await build({
        ...shared,
        entryPoints: [source],
        outfile: files[i],
        nodePaths: [join(ROOT, 'node_modules')],
        logLevel: 'error',
      });
    }),
  );
  const samples = names.map(() => [] as number[]);
  // Round-robin over the probes, so machine noise hits every probe alike.
  for (let r = 0; r < RUNS; r++) {
    for (const [i, file] of files.entries()) samples[i]?.push(importMs(file));
  }
  for (const [i, name] of names.entries()) {
    rows.push({ name, bytes: readFileSync(files[i] as string).byteLength, ms: median(samples[i] ?? []) });
  }
  return rows;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Line → module of an unminified esbuild bundle, from its `// node_modules/x/y.js` markers. */
function moduleIndex(code: string) {
  const marks: { line: number; pkg: string }[] = [];
  code.split('\n').forEach((text, line) => {
    const m = /^\/\/ ((?:node_modules|shared|functions|bench)\/\S+\.[cm]?[jt]s)$/.exec(text.trim());
    if (m) marks.push({ line, pkg: packageOf(m[1] as string) });
  });
  return (line: number) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = '(esbuild module wrappers, incl. lazy compile of module bodies)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const mark = marks[mid] as { line: number; pkg: string };
      if (mark.line <= line) {
        found = mark.pkg;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** Unminified builds (otherwise the stack's options) of the project entries and the floors. */
async function unminified(): Promise<Record<Variant, Record<string, string>>> {
  const dir = join(DIR, 'unminified');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const jobs: { variant: Variant; name: string; entry: string }[] = [];
  for (const f of readdirSync(join(ROOT, 'functions')).filter((f) => f.endsWith('.ts'))) {
    jobs.push({ variant: 'project', name: f.replace(/\.ts$/, ''), entry: join(ROOT, 'functions', f) });
  }
  const floorDir = join(ROOT, 'bench', 'baselines', 'floor');
  for (const f of readdirSync(floorDir).filter((f) => f.endsWith('.ts'))) {
    jobs.push({ variant: 'floor', name: f.replace(/\.ts$/, ''), entry: join(floorDir, f) });
  }
  const first = jobs[0] as { entry: string };
  const { entryPoints: _e, outfile: _o, ...shared } = toEsbuildOptions(first.entry, join(dir, 'x.mjs'));
  await build({
    ...shared,
    minify: false,
    entryPoints: jobs.map((j) => ({ in: j.entry, out: join(j.variant, j.name) })),
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  const paths: Record<Variant, Record<string, string>> = { project: {}, floor: {}, peer: {} };
  for (const j of jobs) paths[j.variant][j.name] = join(dir, j.variant, `${j.name}.mjs`);
  return paths;
}

/** Self time per bucket: bundle code by package, everything else by what it is. */
function attribute(profileDir: string, bundle: string) {
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile')) as string;
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
  const lookup = moduleIndex(readFileSync(bundle, 'utf8'));
  const bundleUrl = pathToFileURL(bundle).href;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inBundle = new Map<string, number>();
  const outside = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    if (frame?.url === bundleUrl) {
      const pkg = lookup(frame.lineNumber);
      inBundle.set(pkg, (inBundle.get(pkg) ?? 0) + dt);
      return;
    }
    const url = frame?.url ?? '';
    const bucket =
      url === ''
        ? (frame?.functionName ?? '(unknown)')
        : url.includes('undici')
          ? 'node: undici (fetch)'
          : url.startsWith('node:internal/deps/')
            ? `node: ${url.slice('node:internal/deps/'.length).split('/')[0]}`
            : url.startsWith('node:')
              ? `node: ${url.replace(/^node:(internal\/)?/, '').split('/')[0]}`
              : url.includes('/child/')
                ? '(harness)'
                : url;
    outside.set(bucket, (outside.get(bucket) ?? 0) + dt);
  });
  return { total, inBundle, outside };
}

async function profiles(paths: Record<Variant, Record<string, string>>) {
  const result: Record<
    string,
    { totalMs: number; outsideBundleMs: number; byPackage: { pkg: string; ms: number }[] }
  > = {};
  for (const [name, bundle] of Object.entries(paths.project)) {
    const profDir = join(DIR, 'cpu-import', name);
    rmSync(profDir, { recursive: true, force: true });
    const script = `await import(${JSON.stringify(pathToFileURL(bundle).href)});`;
    const out = spawnSync(
      process.execPath,
      [
        '--cpu-prof',
        `--cpu-prof-dir=${profDir}`,
        '--cpu-prof-interval=100',
        '--input-type=module',
        '-e',
        script,
      ],
      { env: childEnv, encoding: 'utf8' },
    );
    if (out.status !== 0) throw new Error(`profiling ${name} failed: ${out.stderr}`);
    // Parse/compile of the bundle runs in Node's loader, outside bundle frames: it counts as "outside",
    // and per package only through bundle size (the probe table measures it per dependency).
    const { total, inBundle } = attribute(profDir, bundle);
    const inside = [...inBundle.values()].reduce((x, y) => x + y, 0);
    result[name] = {
      totalMs: Math.round(total),
      outsideBundleMs: Math.round(total - inside),
      byPackage: [...inBundle]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 6)
        .map(([pkg, ms]) => ({ pkg, ms: Math.round(ms * 10) / 10 })),
    };
  }
  return result;
}

/** Warm invocations under --cpu-prof, project and floor, per flow: µs per invocation by bucket. */
async function warmProfiles(paths: Record<Variant, Record<string, string>>) {
  await buildAll(); // the warm child script
  const sandbox = await startSandbox({ port: 0 });
  const secret = JSON.stringify({ apiKey: sandbox.apiKey, webhookSecret: 'whsec_benchmark' });
  const aws = await startLocalAws({ secretFor: (id) => (id.startsWith(SECRET_PREFIX) ? secret : undefined) });
  const out: Record<
    string,
    Record<string, { perInvocationUs: number; buckets: Record<string, number> }>
  > = {};
  try {
    const fixture = await seedFixture(sandbox);
    const endpoints = { partneroApiUrl: sandbox.apiUrl, awsUrl: aws.url };
    for (const flow of flows()) {
      const perVariant: Record<string, { perInvocationUs: number; buckets: Record<string, number> }> = {};
      out[flow.id] = perVariant;
      for (const variant of ['project', 'floor'] as const) {
        const bundle = paths[variant][flow.bundles[variant]] as string;
        const profDir = join(DIR, 'cpu-warm', `${flow.id}-${variant}`);
        rmSync(profDir, { recursive: true, force: true });
        const functionName = `profile-${variant}-${flow.id}`;
        const secretId = `${SECRET_PREFIX}profile/${flow.id}/${variant}`;
        const child = new WarmChild(functionName, secretId, lambdaEnv(endpoints, functionName, secretId), [
          '--cpu-prof',
          `--cpu-prof-dir=${profDir}`,
        ]);
        await child.request({ cmd: 'load', bundle, functionName });
        const chunk = 250;
        for (let done = -100; done < INVOCATIONS; done += chunk) {
          fixture.restore();
          const n = done < 0 ? 100 : Math.min(chunk, INVOCATIONS - done);
          await child.request({
            cmd: 'run',
            template: flow.template,
            n,
            idPrefix: `p${done}-`,
            kind: flow.kind,
          });
          if (done < 0) done = -chunk;
        }
        await child.close();
        const { total, inBundle, outside } = attribute(profDir, bundle);
        const per = (ms: number) => Math.round((ms * 1000) / (INVOCATIONS + 100));
        const buckets: Record<string, number> = {};
        for (const [k, v] of [...inBundle].sort((x, y) => y[1] - x[1]).slice(0, 8)) buckets[k] = per(v);
        for (const [k, v] of [...outside].sort((x, y) => y[1] - x[1]).slice(0, 6)) buckets[k] = per(v);
        perVariant[variant] = { perInvocationUs: per(total - (outside.get('(idle)') ?? 0)), buckets };
      }
    }
  } finally {
    killAllChildren();
    await sandbox.close();
    await aws.close();
  }
  return out;
}

const report: Record<string, unknown> = {};
if (wanted('probes')) {
  const probeRows = await probes();
  report.probes = probeRows;
  console.log(
    `Import cost per dependency (median of ${RUNS} fresh processes, bundled with infra/bundling.ts):\n`,
  );
  console.log('| Probe | Bundle | Import ms |\n|---|---|---|');
  for (const r of probeRows)
    console.log(`| ${r.name} | ${(r.bytes / 1024).toFixed(1)} KiB | ${r.ms.toFixed(1)} |`);
}
const paths = wanted('import') || wanted('warm') ? await unminified() : undefined;
if (paths && wanted('import')) {
  const cpu = await profiles(paths);
  report.importProfiles = cpu;
  console.log(
    '\nCPU profile of a process importing each project bundle (unminified build): self time of bundle code by package, ms\n',
  );
  for (const [name, p] of Object.entries(cpu)) {
    console.log(
      `- ${name}: ${p.byPackage.map((b) => `${b.pkg} ${b.ms}`).join('; ')} ` +
        `(of ${p.totalMs} ms sampled; ${p.outsideBundleMs} ms outside bundle code: Node start-up, loader, parse/compile, GC)`,
    );
  }
}
if (paths && wanted('warm')) {
  const warm = await warmProfiles(paths);
  report.warmProfiles = warm;
  console.log(
    `\nCPU profile of ${INVOCATIONS} warm invocations (+100 warm-up), µs of CPU per invocation (idle excluded):\n`,
  );
  for (const [flow, variants] of Object.entries(warm)) {
    for (const [variant, p] of Object.entries(variants)) {
      const buckets = Object.entries(p.buckets)
        .map(([k, v]) => `${k} ${v}`)
        .join('; ');
      console.log(`- ${flow} ${variant}: ${p.perInvocationUs} µs — ${buckets}`);
    }
  }
}
writeFileSync(join(DIR, 'profile.json'), JSON.stringify(report, null, 2));
