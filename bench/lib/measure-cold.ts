/**
 * Cold start: a fresh `node` per run imports the bundle and invokes it once. Variants are interleaved
 * and their order rotated every round, so machine noise hits each alike.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT_DIR, VARIANTS, type Variant } from '#bench/build.js';
import { type ColdResult, coldStart, lambdaEnv, SECRET_PREFIX } from './children.js';
import type { Flow } from './flows.js';
import { bundlePath, type Context, functionNameOf, log, rotated } from './measure-context.js';
import { round, type Summary, summarize } from './stats.js';

type ColdSample = Pick<ColdResult, 'importMs' | 'firstInvokeMs' | 'totalMs' | 'maxRssKb'>;

/** One cold start; undefined (and a failure recorded) when it crashed or answered an error. */
async function coldStartOnce(ctx: Context, flow: Flow, variant: Variant, id: string) {
  ctx.fixture.restore();
  const eventFile = join(OUT_DIR, 'events', `cold-${flow.id}-${variant}.json`);
  writeFileSync(eventFile, flow.template.replaceAll('__SEQ__', id));
  const functionName = functionNameOf(flow, variant);
  const secretId = `${SECRET_PREFIX}cold/${flow.id}/${variant}/${id}`;
  const spec = {
    bundle: bundlePath(variant, flow.bundles[variant]),
    eventFile,
    functionName,
    requestId: `cold-${id}`,
    kind: flow.kind,
  };
  let result: ColdResult;
  try {
    result = await coldStart(spec, lambdaEnv(ctx.endpoints, functionName, secretId));
  } catch (error) {
    ctx.failures.push(`cold start ${variant} ${flow.id} crashed: ${(error as Error).message}`);
    return undefined;
  }
  if (!result.ok) {
    ctx.failures.push(
      `cold start ${variant} ${flow.id} failed (${String(result.status)}): ${result.body ?? ''} ${result.stderr ?? ''}`.slice(
        0,
        2000,
      ),
    );
    return undefined;
  }
  return result;
}

function summarizeCold(all: Flow[], samples: Map<string, ColdSample[]>) {
  const summaries: Record<string, Record<string, Record<string, Summary>>> = {};
  for (const flow of all) {
    summaries[flow.id] = {};
    for (const variant of VARIANTS) {
      const list = samples.get(`${flow.id}/${variant}`) ?? [];
      (summaries[flow.id] as Record<string, Record<string, Summary>>)[variant] = {
        importMs: summarize(list.map((s) => s.importMs)),
        firstInvokeMs: summarize(list.map((s) => s.firstInvokeMs)),
        totalMs: summarize(list.map((s) => s.totalMs)),
        maxRssMb: summarize(list.map((s) => s.maxRssKb / 1024)),
      };
    }
  }
  return summaries;
}

export async function measureCold(ctx: Context, all: Flow[]) {
  const samples = new Map<string, ColdSample[]>();
  let runs = 0;

  // One unrecorded start per bundle first, so no variant pays for reading its file from disk.
  for (const flow of all)
    for (const variant of VARIANTS) await coldStartOnce(ctx, flow, variant, `warmup-${variant[0]}`);
  for (let round = 0; round < ctx.settings.coldRuns; round++) {
    for (const flow of all) {
      for (const variant of rotated(VARIANTS, round + all.indexOf(flow))) {
        const result = await coldStartOnce(ctx, flow, variant, `c${round}${variant[0]}`);
        if (!result) continue;
        runs += 1;
        const key = `${flow.id}/${variant}`;
        samples.set(key, [...(samples.get(key) ?? []), result]);
      }
    }
    log(`cold start: round ${round + 1}/${ctx.settings.coldRuns}`);
  }

  // Every sample in run order (import ms, first-invocation ms), for auditing a surprising median.
  const raw = Object.fromEntries(
    [...samples].map(([key, list]) => [
      key,
      list.map((x) => [round(x.importMs, 1), round(x.firstInvokeMs, 1)]),
    ]),
  );
  return {
    runsPerVariant: ctx.settings.coldRuns,
    recordedRuns: runs,
    flows: summarizeCold(all, samples),
    samples: raw,
  };
}
