/**
 * Where moto 5.2 answers differently from DynamoDB and our twin answers as DynamoDB does (checked
 * against the AWS API reference). The tee excuses a difference only when one of these explains it
 * exactly; docs/local.md lists them with the same reasons.
 */
import type { Outcome } from './dynamo-tee.js';

export interface MotoGap {
  id: string;
  /** What DynamoDB (and the twin) does, and what moto does instead. */
  what: string;
  /**
   * The twin's answer as moto would give it, when this gap explains the difference between the two;
   * otherwise undefined.
   */
  excuse(command: string, input: Record<string, unknown>, twin: Outcome, moto: Outcome): Outcome | undefined;
}

type Output = Record<string, unknown>;

export const MOTO_GAPS: MotoGap[] = [
  {
    id: 'last-evaluated-key-at-limit',
    what:
      'A Query or Scan that stops because it read `Limit` items answers `LastEvaluatedKey` on DynamoDB ' +
      'even when no item is left (the next page is empty); moto leaves it out when the limit falls on the ' +
      'last item.',
    excuse(command, input, twin, moto) {
      if (!['QueryCommand', 'ScanCommand'].includes(command) || !twin.ok || !moto.ok) return undefined;
      const out = twin.output as Output;
      if (out.LastEvaluatedKey === undefined || (moto.output as Output).LastEvaluatedKey !== undefined)
        return undefined;
      if (out.ScannedCount !== input.Limit) return undefined;
      const { LastEvaluatedKey: _, ...rest } = out;
      return { ok: true, output: rest };
    },
  },
  {
    id: 'concurrent-conditional-writes',
    what:
      'DynamoDB applies the writes of one item one after the other, so of several conditional writes sent ' +
      'together against the same item only those whose condition holds after the ones before are applied; ' +
      'moto checks and applies each on its own thread without a lock, so two can pass against the same ' +
      'old item (two workers both take an order over). Not an answer the tee compares (it sends one ' +
      'command at a time): the exactly-once run sends moto one request at a time (moto-dynamo.ts).',
    excuse: () => undefined,
  },
  {
    id: 'empty-item-collection-metrics',
    what:
      'A successful TransactWriteItems answers no `ItemCollectionMetrics` on DynamoDB unless ' +
      '`ReturnItemCollectionMetrics` asks for them; moto answers an empty `ItemCollectionMetrics: {}`.',
    excuse(command, input, twin, moto) {
      if (command !== 'TransactWriteItemsCommand' || !twin.ok || !moto.ok) return undefined;
      if (input.ReturnItemCollectionMetrics !== undefined) return undefined;
      const metrics = (moto.output as Output).ItemCollectionMetrics;
      if (!metrics || Object.keys(metrics).length > 0) return undefined;
      return { ok: true, output: { ...(twin.output as Output), ItemCollectionMetrics: {} } };
    },
  },
];
