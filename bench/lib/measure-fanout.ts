import { VARIANTS, type Variant } from '#bench/build.js';
import type { RunResult } from '#bench/child/warm.js';
import type { WarmChild } from './children.js';
import { DASHBOARD_USER } from './fixture.js';
import type { Flow } from './flows.js';
import { type Context, log, rotated } from './measure-context.js';
import { summarize } from './stats.js';

/** Partnero answers every call after 50 ms: the dashboard should take one call's time, not four. */
export async function measureFanout(ctx: Context, flow: Flow, children: Map<Variant, WarmChild>) {
  const LATENCY_MS = 50;
  await ctx.fixture.control('POST', '/latency', { ms: LATENCY_MS });
  const probe: number[] = [];
  const dashboards = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const floor = children.get('floor') as WarmChild;
  try {
    for (let i = 0; i < ctx.settings.fanout; i++) {
      const single = await floor.request<{ timings: number[] }>({
        cmd: 'probe',
        url: `${ctx.endpoints.partneroApiUrl}/customers/${DASHBOARD_USER}`,
        authorization: `Bearer ${ctx.sandboxApiKey}`,
        n: 1,
      });
      probe.push(...single.timings);
      for (const variant of rotated(VARIANTS, i)) {
        const child = children.get(variant) as WarmChild;
        const result = await child.request<RunResult>({
          cmd: 'run',
          template: flow.template,
          n: 1,
          idPrefix: `fan${i}-`,
          kind: 'http',
        });
        if (result.failures) ctx.failures.push(`fan-out ${variant}: ${result.firstFailure ?? 'failed'}`);
        dashboards.get(variant)?.push(...result.timings);
      }
    }
  } finally {
    await ctx.fixture.control('POST', '/latency', { ms: 0 });
  }
  log('fan-out done');
  return {
    latencyMs: LATENCY_MS,
    samples: ctx.settings.fanout,
    oneCall: summarize(probe),
    dashboard: Object.fromEntries(VARIANTS.map((v) => [v, summarize(dashboards.get(v) ?? [])])),
  };
}
