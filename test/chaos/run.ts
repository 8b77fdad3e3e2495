// `npm run chaos -- [--schedules=5000] [--seed=1]`: the long run of the seeded fault schedules.
import { parseArgs } from 'node:util';
import { runSchedules } from '#test/chaos/harness.js';
import { startOrdersWorld } from '#test/support/orders-world.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

const { values } = parseArgs({
  options: { schedules: { type: 'string', default: '5000' }, seed: { type: 'string', default: '1' } },
});
const count = Number(values.schedules);
const seed = Number(values.seed);
const world = await startOrdersWorld({ seed });
const started = Date.now();
let failing = 0;
let crashes = 0;
let invocations = 0;
const results = await runSchedules(world, seed, count, (r) => {
  crashes += r.crashes;
  invocations += r.invocations;
  if (r.errors.length) {
    failing += 1;
    console.log(`seed ${r.seed}: ${r.errors.join('; ')}`);
  }
  const done = r.seed - seed + 1;
  if (done % 500 === 0) console.log(`${done}/${count} schedules, ${failing} with money errors`);
});
await world.close();
const orders = results.reduce((a, r) => a + r.orders, 0);
const parts = results.reduce((a, r) => a + r.partialRefunds, 0);
console.log(
  `${results.length} schedules (seeds ${seed}–${seed + count - 1}), ${orders} orders, ${parts} partial refunds, ${invocations} invocations, ` +
    `${crashes} crashes, in ${Math.round((Date.now() - started) / 1000)} s: ${failing} with money errors`,
);
process.exit(failing === 0 ? 0 : 1);
