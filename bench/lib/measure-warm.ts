/**
 * Warm overhead: one container per variant, a warm-up, then invocations in interleaved chunks, each
 * from a restored sandbox so it answers equally fast for all. Also what the containers read from
 * Secrets Manager over their lifetime, and (for the dashboard) the fan-out under latency.
 */
import { VARIANTS, type Variant } from '#bench/build.js';
import type { RunResult } from '#bench/child/warm.js';
import { lambdaEnv, SECRET_PREFIX, SECRET_TTL_SECONDS, WarmChild } from './children.js';
import type { Flow } from './flows.js';
import { bundlePath, type Context, functionNameOf, log, rotated } from './measure-context.js';
import { measureFanout } from './measure-fanout.js';
import { round, summarize } from './stats.js';

/** One container per variant, its bundle loaded. */
export async function startContainers(ctx: Context, flow: Flow, tag: string) {
  const children = new Map<Variant, WarmChild>();
  for (const variant of VARIANTS) {
    const functionName = functionNameOf(flow, variant);
    const secretId = `${SECRET_PREFIX}${tag}/${flow.id}/${variant}`;
    const child = new WarmChild(
      `${tag} ${variant} ${flow.id}`,
      secretId,
      lambdaEnv(ctx.endpoints, functionName, secretId),
    );
    children.set(variant, child);
    await child.request({ cmd: 'load', bundle: bundlePath(variant, flow.bundles[variant]), functionName });
  }
  return children;
}

/** What a variant's recorded invocations measured. */
interface Recorded {
  timings: number[];
  cpuMicros: number;
  /** AWS calls (by X-Amz-Target) and Partnero calls. */
  calls: Map<string, number>;
}

const addTo = (counts: Map<string, number>, key: string, n: number) =>
  counts.set(key, (counts.get(key) ?? 0) + n);

/** n invocations from a restored sandbox, counted into `recorded` (none for a warm-up). */
async function runChunk(
  ctx: Context,
  flow: Flow,
  variant: Variant,
  child: WarmChild,
  n: number,
  idPrefix: string,
  recorded?: Recorded,
) {
  ctx.fixture.restore();
  const awsBefore = { ...ctx.aws.calls };
  const result = await child.request<RunResult>({
    cmd: 'run',
    template: flow.template,
    n,
    idPrefix,
    kind: flow.kind,
  });
  if (recorded) {
    addTo(recorded.calls, 'Partnero', ctx.fixture.partneroRequests());
    for (const [target, count] of Object.entries(ctx.aws.calls)) {
      const delta = count - (awsBefore[target] ?? 0);
      if (delta > 0) addTo(recorded.calls, target, delta);
    }
  }
  if (result.failures > 0) {
    ctx.failures.push(
      `warm ${variant} ${flow.id}: ${result.failures}/${n} invocations failed: ${result.firstFailure ?? ''}`.slice(
        0,
        2000,
      ),
    );
  }
  if (recorded) {
    recorded.timings.push(...result.timings);
    recorded.cpuMicros += result.cpuMicros;
  }
}

function warmSummary(recorded: Recorded, logBytes: number) {
  const n = Math.max(1, recorded.timings.length);
  return {
    ...summarize(recorded.timings),
    cpuMsPerInvocation: round(recorded.cpuMicros / 1000 / n, 3),
    logBytesPerInvocation: Math.round(logBytes),
    callsPerInvocation: Object.fromEntries(
      [...recorded.calls].map(([target, count]) => [target, round(count / n, 2)]),
    ),
  };
}

/** GetSecretValue calls of a container against the cache periods it lived; closes it. */
async function secretReadsOf(ctx: Context, child: WarmChild, invocations: number) {
  const lifetimeSeconds = (Date.now() - child.startedAt) / 1000;
  const reads = {
    calls: ctx.aws.secretReads.get(child.secretId) ?? 0,
    lifetimeSeconds: round(lifetimeSeconds, 1),
    cachePeriods: Math.max(1, Math.ceil(lifetimeSeconds / SECRET_TTL_SECONDS)),
    invocations,
  };
  await child.close();
  return reads;
}

async function measureWarmFlow(ctx: Context, flow: Flow) {
  const { warmInvocations, warmup, chunk } = ctx.settings;
  const children = await startContainers(ctx, flow, 'warm');
  const childOf = (variant: Variant) => children.get(variant) as WarmChild;
  const recorded = new Map<Variant, Recorded>(
    VARIANTS.map((v) => [v, { timings: [], cpuMicros: 0, calls: new Map() }]),
  );

  for (const variant of VARIANTS)
    await runChunk(ctx, flow, variant, childOf(variant), warmup, `wu-${variant[0]}-`);
  const chunks = Math.ceil(warmInvocations / chunk);
  for (let c = 0; c < chunks; c++) {
    const n = Math.min(chunk, warmInvocations - c * chunk);
    for (const variant of rotated(VARIANTS, c)) {
      await runChunk(ctx, flow, variant, childOf(variant), n, `w${c}-${variant[0]}-`, recorded.get(variant));
    }
  }
  const perVariant = warmup + warmInvocations;
  const summary = Object.fromEntries(
    VARIANTS.map((v) => [v, warmSummary(recorded.get(v) as Recorded, childOf(v).logBytes / perVariant)]),
  );
  log(`warm: ${flow.id} done`);

  const fanout = flow.id === 'dashboard' ? await measureFanout(ctx, flow, children) : undefined;
  const secretReads: Record<string, unknown> = {};
  for (const variant of VARIANTS)
    secretReads[variant] = await secretReadsOf(ctx, childOf(variant), perVariant);
  return { summary, fanout, secretReads };
}

export async function measureWarm(ctx: Context, all: Flow[]) {
  const flows: Record<string, Record<string, unknown>> = {};
  const secretReads: Record<string, Record<string, unknown>> = {};
  let fanout: Record<string, unknown> | undefined;
  for (const flow of all) {
    const measured = await measureWarmFlow(ctx, flow);
    flows[flow.id] = measured.summary;
    secretReads[flow.id] = measured.secretReads;
    fanout = measured.fanout ?? fanout;
  }
  const { warmInvocations, warmup } = ctx.settings;
  return { invocationsPerRoute: warmInvocations, warmup, flows, secretReads, fanout };
}
