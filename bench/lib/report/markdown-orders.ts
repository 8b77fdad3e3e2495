import { VARIANTS } from '#bench/build.js';
import { ratio, times } from '../stats.js';
import { ms, table } from './format.js';
import { type BenchResults, ordersVariantsOf } from './results.js';

const HEAD = [
  'Variant',
  'Events/s (handler time)',
  '÷ floor',
  'Batch ms median / p99',
  'Partnero calls / event',
  'Secrets Manager calls',
  'Lost',
  'Duplicated',
  'Wrong balances',
  'Correct',
];

export function ordersSection(r: BenchResults): string[] | undefined {
  const orders = r.orders;
  const variants = ordersVariantsOf(r);
  if (!orders || !variants) return undefined;
  const floorRate = variants.floor?.eventsPerSecond ?? Number.NaN;
  const rows = VARIANTS.flatMap((v) => {
    const o = variants[v];
    if (!o) return [];
    return [
      [
        v,
        String(o.eventsPerSecond),
        times(ratio(o.eventsPerSecond, floorRate)),
        `${ms(o.batchMs.median)} / ${ms(o.batchMs.p99)}`,
        o.partneroCallsPerEvent.toFixed(3),
        String(o.secretsManagerCalls),
        String(o.lost),
        String(o.duplicated + o.unexpected),
        String(o.wrongBalances),
        o.correct ? '✅' : `❌ ${o.problems.join('; ')}`,
      ],
    ];
  });
  return [
    `## Order events (${orders.messages} SQS messages in batches of ${orders.batchSize}: ${orders.placed} sales, ${orders.refunded} refunds, ` +
      `${orders.duplicates} duplicates = ${((orders.duplicateRate as number) * 100).toFixed(1)}% ` +
      `(${orders.duplicatesAfterRefund} of them copies of a sale arriving after its refund), ` +
      `${orders.distinctCustomersPerBatch} distinct customers per batch)`,
    '',
    table(HEAD, rows),
  ];
}
