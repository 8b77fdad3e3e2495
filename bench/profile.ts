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
 * 4. CPU profile of whole cold starts (import + first invocation), project and floor per flow, summed
 *    over --runs fresh processes: where a missed cold-start budget goes, import and first call alike.
 *
 *   --only=probes|import|warm|cold   one part only;  --invocations=N   warm invocations (default 2000)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { toEsbuildOptions } from '#infra/bundling.js';
import { startSandbox } from '#local/sandbox/index.js';
import { buildAll, OUT_DIR, ROOT, type Variant } from './build.js';
import {
  coldStart,
  type Endpoints,
  killAllChildren,
  lambdaEnv,
  SECRET_PREFIX,
  WarmChild,
} from './lib/children.js';
import { selfTimeOf } from './lib/cpu-profile.js';
import { type Fixture, seedFixture } from './lib/fixture.js';
import { type Flow, flows } from './lib/flows.js';
import { PLAIN_NODE_ENV, probeImportCosts } from './lib/import-probes.js';
import { startLocalAws } from './lib/local-aws.js';

const DIR = join(OUT_DIR, 'profile');
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const RUNS = runsArg ? Number(runsArg.slice('--runs='.length)) : 15;
const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const invocationsArg = process.argv.find((a) => a.startsWith('--invocations='));
const INVOCATIONS = invocationsArg ? Number(invocationsArg.slice('--invocations='.length)) : 2000;
const wanted = (part: string) => !onlyArg || onlyArg === part;

/** Unminified builds (otherwise the stack's options) of the project entries and the floors. */
async function buildUnminified(): Promise<Record<Variant, Record<string, string>>> {
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
  const {
    entryPoints: _e,
    outfile: _o,
    alias,
    ...shared
  } = toEsbuildOptions(first.entry, join(dir, 'x.mjs'));
  // As bench/build.ts: the project with the stack's credential alias, the floors with the SDK as it comes.
  for (const own of [true, false]) {
    const part = jobs.filter((j) => (j.variant === 'project') === own);
    await build({
      ...shared,
      ...(own ? { alias } : {}),
      minify: false,
      entryPoints: part.map((j) => ({ in: j.entry, out: join(j.variant, j.name) })),
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      logLevel: 'error',
    });
  }
  const paths: Record<Variant, Record<string, string>> = { project: {}, floor: {}, peer: {} };
  for (const j of jobs) paths[j.variant][j.name] = join(dir, j.variant, `${j.name}.mjs`);
  return paths;
}

/** A CPU profile of a fresh process importing each project bundle: self time by package, ms. */
async function importProfiles(paths: Record<Variant, Record<string, string>>) {
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
      { env: PLAIN_NODE_ENV, encoding: 'utf8' },
    );
    if (out.status !== 0) throw new Error(`profiling ${name} failed: ${out.stderr}`);
    // Parse/compile of the bundle runs in Node's loader, outside bundle frames: it counts as "outside",
    // and per package only through bundle size (the probe table measures it per dependency).
    const { total, inBundle } = selfTimeOf(profDir, bundle);
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

interface WarmProfile {
  perInvocationUs: number;
  buckets: Record<string, number>;
}

/** INVOCATIONS warm invocations (after 100 warm-up) of one bundle under --cpu-prof: µs per invocation. */
async function profileWarmVariant(
  endpoints: Endpoints,
  fixture: Fixture,
  flow: Flow,
  variant: Variant,
  bundle: string,
): Promise<WarmProfile> {
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
  const { total, inBundle, outside } = selfTimeOf(profDir, bundle);
  const per = (ms: number) => Math.round((ms * 1000) / (INVOCATIONS + 100));
  const buckets: Record<string, number> = {};
  for (const [k, v] of [...inBundle].sort((x, y) => y[1] - x[1]).slice(0, 8)) buckets[k] = per(v);
  for (const [k, v] of [...outside].sort((x, y) => y[1] - x[1]).slice(0, 6)) buckets[k] = per(v);
  return { perInvocationUs: per(total - (outside.get('(idle)') ?? 0)), buckets };
}

/** Warm invocations under --cpu-prof, project and floor, per flow: µs per invocation by bucket. */
async function warmProfiles(paths: Record<Variant, Record<string, string>>) {
  await buildAll(); // the warm child script
  const sandbox = await startSandbox({ port: 0 });
  const secret = JSON.stringify({ apiKey: sandbox.apiKey, webhookSecret: 'whsec_benchmark' });
  const aws = await startLocalAws({ secretFor: (id) => (id.startsWith(SECRET_PREFIX) ? secret : undefined) });
  const out: Record<string, Record<string, WarmProfile>> = {};
  try {
    const fixture = await seedFixture(sandbox);
    const endpoints = { partneroApiUrl: sandbox.apiUrl, awsUrl: aws.url };
    for (const flow of flows()) {
      const perVariant: Record<string, WarmProfile> = {};
      out[flow.id] = perVariant;
      for (const variant of ['project', 'floor'] as const) {
        const bundle = paths[variant][flow.bundles[variant]] as string;
        perVariant[variant] = await profileWarmVariant(endpoints, fixture, flow, variant, bundle);
      }
    }
  } finally {
    killAllChildren();
    await sandbox.close();
    await aws.close();
  }
  return out;
}

/** Self time of `runs` cold starts of one bundle under --cpu-prof, ms per start, by package or Node part. */
async function profileColdVariant(
  endpoints: Endpoints,
  fixture: Fixture,
  flow: Flow,
  bundle: string,
  runs: number,
) {
  const sum = new Map<string, number>();
  let total = 0;
  for (let run = 0; run < runs; run++) {
    fixture.restore();
    const profDir = join(DIR, 'cpu-cold', `${flow.id}-${run}-${bundle.split('/').at(-2)}`);
    rmSync(profDir, { recursive: true, force: true });
    const eventFile = join(OUT_DIR, 'events', `profile-cold-${flow.id}.json`);
    mkdirSync(join(OUT_DIR, 'events'), { recursive: true });
    writeFileSync(eventFile, flow.template.replaceAll('__SEQ__', `pc${run}${Date.now()}`));
    const name = `profile-cold-${flow.id}`;
    const secretId = `${SECRET_PREFIX}profile-cold/${flow.id}/${run}/${bundle.length}`;
    const spec = { bundle, eventFile, functionName: name, requestId: `pc-${run}`, kind: flow.kind };
    const result = await coldStart(spec, lambdaEnv(endpoints, name, secretId), 60_000, [
      '--cpu-prof',
      `--cpu-prof-dir=${profDir}`,
      '--cpu-prof-interval=100',
    ]);
    if (!result.ok)
      throw new Error(`cold start of ${bundle} failed: ${String(result.status)} ${result.body ?? ''}`);
    const { total: t, inBundle, outside } = selfTimeOf(profDir, bundle);
    total += t - (outside.get('(idle)') ?? 0);
    for (const [k, v] of [...inBundle, ...outside]) if (k !== '(idle)') sum.set(k, (sum.get(k) ?? 0) + v);
  }
  const per = (ms: number) => Math.round((ms / runs) * 10) / 10;
  const top = [...sum].sort((a, b) => b[1] - a[1]).slice(0, 12);
  return { msPerStart: per(total), buckets: Object.fromEntries(top.map(([k, v]) => [k, per(v)])) };
}

/** Cold starts under --cpu-prof, project and floor, per flow. */
async function coldProfiles(paths: Record<Variant, Record<string, string>>) {
  await buildAll(); // the cold child script
  const sandbox = await startSandbox({ port: 0 });
  const secret = JSON.stringify({ apiKey: sandbox.apiKey, webhookSecret: 'whsec_benchmark' });
  const aws = await startLocalAws({ secretFor: (id) => (id.startsWith(SECRET_PREFIX) ? secret : undefined) });
  const out: Record<string, Record<string, Awaited<ReturnType<typeof profileColdVariant>>>> = {};
  try {
    const fixture = await seedFixture(sandbox);
    const endpoints = { partneroApiUrl: sandbox.apiUrl, awsUrl: aws.url };
    for (const flow of flows()) {
      out[flow.id] = {};
      for (const variant of ['project', 'floor'] as const) {
        const bundle = paths[variant][flow.bundles[variant]] as string;
        (out[flow.id] as Record<string, unknown>)[variant] = await profileColdVariant(
          endpoints,
          fixture,
          flow,
          bundle,
          Math.min(RUNS, 8),
        );
      }
    }
  } finally {
    await sandbox.close();
    await aws.close();
  }
  return out;
}

const report: Record<string, unknown> = {};
if (wanted('probes')) {
  const probeRows = await probeImportCosts(join(DIR, 'probes'), RUNS);
  report.probes = probeRows;
  console.log(
    `Import cost per dependency (median of ${RUNS} fresh processes, bundled with infra/bundling.ts):\n`,
  );
  console.log('| Probe | Bundle | Import ms |\n|---|---|---|');
  for (const r of probeRows)
    console.log(`| ${r.name} | ${(r.bytes / 1024).toFixed(1)} KiB | ${r.ms.toFixed(1)} |`);
}
const paths = wanted('import') || wanted('warm') || wanted('cold') ? await buildUnminified() : undefined;
if (paths && wanted('import')) {
  const cpu = await importProfiles(paths);
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
if (paths && wanted('cold')) {
  const cold = await coldProfiles(paths);
  report.coldProfiles = cold;
  console.log('\nCPU profile of whole cold starts (import + first invocation), ms of CPU per start:\n');
  for (const [flow, variants] of Object.entries(cold)) {
    for (const [variant, p] of Object.entries(variants)) {
      const buckets = Object.entries(p.buckets)
        .map(([k, v]) => `${k} ${v}`)
        .join('; ');
      console.log(`- ${flow} ${variant}: ${p.msPerStart} ms — ${buckets}`);
    }
  }
}
writeFileSync(join(DIR, 'profile.json'), JSON.stringify(report, null, 2));
