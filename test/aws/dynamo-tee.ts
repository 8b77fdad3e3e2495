/**
 * A DynamoDB client that sends every command to two endpoints, our twin and moto, one command at a
 * time, and records where their answers differ. The code under test (the order ledger, Powertools'
 * persistence layer) talks to it as to any client and gets the twin's answer.
 */
import * as ddb from '@aws-sdk/client-dynamodb';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { MOTO_GAPS } from './moto-gaps.js';

type Item = Record<string, AttributeValue>;

/** An answer reduced to what the code can rely on: output, or error name, `Item` and cancellation reasons. */
export type Outcome =
  | { ok: true; output: unknown }
  | { ok: false; error: string; item?: unknown; reasons?: unknown[] };

/** Commands sent to both endpoints, by name (every tee adds to it). */
export const teeCalls: Record<string, number> = {};
/** Differences excused by a known moto gap (moto-gaps.ts), by gap id. */
export const gapsSeen: Record<string, number> = {};

export interface Divergence {
  command: string;
  input: unknown;
  twin: Outcome;
  moto: Outcome;
}

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A client of one endpoint that never retries, so each command reaches it exactly once. */
export const plainClient = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });

/** Sets are unordered in DynamoDB: sorted, so two equal sets compare equal. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    out[key] =
      ['SS', 'NS', 'BS'].includes(key) && Array.isArray(v) ? [...v].map(String).sort() : canonical(v);
  }
  return out;
}

/** Sorts by the item's JSON: the order of a Scan is unspecified on DynamoDB (by partition-key hash). */
const unordered = (items: unknown[]) =>
  [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

export function outcomeOf(result: { output?: unknown; error?: unknown }, command = ''): Outcome {
  if (!('error' in result) || result.error === undefined) {
    const {
      $metadata: _m,
      ConsumedCapacity: _c,
      ...output
    } = (result.output ?? {}) as Record<string, unknown>;
    const out = canonical(output) as Record<string, unknown>;
    if (command === 'ScanCommand' && Array.isArray(out.Items)) out.Items = unordered(out.Items);
    return { ok: true, output: out };
  }
  const e = result.error as { name?: string; Item?: unknown; CancellationReasons?: unknown[] };
  return {
    ok: false,
    error: e.name ?? String(e),
    ...(e.Item ? { item: canonical(e.Item) } : {}),
    ...(e.CancellationReasons
      ? {
          reasons: e.CancellationReasons.map((r) => {
            const { Code, Item } = r as { Code?: string; Item?: unknown };
            return { Code, ...(Item ? { Item: canonical(Item) } : {}) };
          }),
        }
      : {}),
  };
}

export const sameOutcome = (a: Outcome, b: Outcome) => JSON.stringify(a) === JSON.stringify(b);

type CommandClass = new (input: unknown) => Parameters<DynamoDBClient['send']>[0];
const COMMANDS = ddb as unknown as Record<string, CommandClass>;

/**
 * A DynamoDBClient pointed at the twin whose every command is also sent, with the same input, to moto
 * (the twin first, then moto, never two commands at once, so both see the same order of writes).
 */
export function teeClient(twinUrl: string, motoUrl: string, divergences: Divergence[]) {
  const client = plainClient(twinUrl);
  const moto = plainClient(motoUrl);
  let queue: Promise<unknown> = Promise.resolve();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      const Command = COMMANDS[name];
      if (!Command) throw new Error(`the tee cannot send ${name} to moto`);
      const input = structuredClone(args.input);
      teeCalls[name] = (teeCalls[name] ?? 0) + 1;
      const run = async () => {
        const twin = await next(args).then(
          (handled) => ({ handled }),
          (error: unknown) => ({ error }),
        );
        const motoResult = await moto.send(new Command(structuredClone(input))).then(
          (output) => ({ output }),
          (error: unknown) => ({ error }),
        );
        const a = outcomeOf('error' in twin ? twin : { output: twin.handled.output }, name);
        const b = outcomeOf(motoResult, name);
        if (!sameOutcome(a, b)) {
          const gap = MOTO_GAPS.find((g) => {
            const excused = g.excuse(name, input as Record<string, unknown>, a, b);
            return excused !== undefined && sameOutcome(excused, b);
          });
          if (gap) gapsSeen[gap.id] = (gapsSeen[gap.id] ?? 0) + 1;
          else divergences.push({ command: name, input, twin: a, moto: b });
        }
        return twin;
      };
      const turn = queue.then(run, run);
      queue = turn.catch(() => undefined);
      const result = await turn;
      if ('error' in result) throw result.error;
      return result.handled;
    },
    { step: 'initialize', name: 'teeToMoto' },
  );
  return {
    client,
    moto,
    destroy: () => {
      client.destroy();
      moto.destroy();
    },
  };
}

/** Every item of a table, sorted by its key attribute `id`. */
export async function scanAll(client: Pick<DynamoDBClient, 'send'>, table: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey as Item | undefined;
  } while (start);
  return items.sort((a, b) => String(a.id?.S).localeCompare(String(b.id?.S)));
}
