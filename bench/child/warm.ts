/**
 * A warm Lambda container: loads one bundle once, then runs what the harness asks over IPC —
 * timed invocations of an event template, raw Partnero probes, draining a simulated SQS queue
 * through the handler, or one batch of a queue the harness shares between containers. Invocation times cover only `await handler(event, context)`; building the
 * event happens before the clock starts.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { lambdaContext, sqsRecord } from '#bench/lib/events.js';
import { type QueuedMessage, SimulatedQueue } from '#bench/lib/sqs-queue.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

export type WarmCommand =
  | { cmd: 'load'; bundle: string; functionName: string }
  | { cmd: 'run'; template: string; n: number; idPrefix: string; kind: 'http' | 'sqs' }
  | { cmd: 'probe'; url: string; authorization: string; n: number }
  | { cmd: 'drain'; file: string; batchSize: number; maxReceives: number }
  | { cmd: 'batch'; messages: QueuedMessage[]; timeoutMs: number }
  | { cmd: 'exit' };

/** The answer to `run`: per-invocation times, failures, and the CPU the invocations used. */
export interface RunResult {
  timings: number[];
  failures: number;
  firstFailure?: string | undefined;
  cpuMicros: number;
}

/** The answer to `drain`: handler time per batch and what the simulated queue did with the messages. */
export interface DrainResult {
  timings: number[];
  wallMs: number;
  failedInvocations: number;
  firstFailure?: string | undefined;
  redeliveries: number;
  /** Message ids that failed `maxReceives` times. */
  deadLetters: string[];
}

/** The answer to `batch`: one invocation with a batch the harness received from its shared queue. */
export interface BatchResult {
  ms: number;
  ok: boolean;
  /** The batch item failures (every message when the handler threw or answered no list). */
  failedIds: string[];
  detail?: string | undefined;
  cpuMicros: number;
}

let handler: Handler | undefined;
let functionName = 'bench';

interface Invocation {
  ms: number;
  ok: boolean;
  detail?: string;
  failedIds?: string[];
}

async function invoke(event: unknown, kind: 'http' | 'sqs', timeoutMs?: number): Promise<Invocation> {
  if (!handler) throw new Error('no bundle loaded');
  const context = lambdaContext(functionName, timeoutMs);
  const started = performance.now();
  let result: unknown;
  try {
    result = await handler(event, context);
  } catch (error) {
    return {
      ms: performance.now() - started,
      ok: false,
      detail: `threw: ${(error as Error)?.stack ?? error}`,
    };
  }
  const ms = performance.now() - started;
  if (kind === 'sqs') {
    const failures = (result as { batchItemFailures?: { itemIdentifier: string }[] })?.batchItemFailures;
    if (!Array.isArray(failures))
      return { ms, ok: false, detail: `no batchItemFailures: ${JSON.stringify(result)}` };
    const failedIds = failures.map((f) => f.itemIdentifier);
    return {
      ms,
      ok: failedIds.length === 0,
      failedIds,
      ...(failedIds.length ? { detail: `${failedIds.length} failed` } : {}),
    };
  }
  const status = (result as { statusCode?: number })?.statusCode ?? 0;
  const ok = status >= 200 && status < 300;
  return {
    ms,
    ok,
    ...(ok ? {} : { detail: `${status} ${(result as { body?: string })?.body ?? ''}`.slice(0, 500) }),
  };
}

type Command<K extends WarmCommand['cmd']> = Extract<WarmCommand, { cmd: K }>;

/** n timed invocations of the template, each with fresh ids. */
async function runInvocations(command: Command<'run'>): Promise<RunResult> {
  const timings: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  // CPU the container spends in its invocations (all threads: GC helpers, libuv), summed: Linux
  // accounts it in ticks, so only the mean over many invocations is meaningful.
  let cpuMicros = 0;
  for (let i = 0; i < command.n; i++) {
    const event = JSON.parse(command.template.replaceAll('__SEQ__', `${command.idPrefix}${i}`));
    const cpu = process.cpuUsage();
    const outcome = await invoke(event, command.kind);
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
    timings.push(outcome.ms);
    if (!outcome.ok) {
      failures += 1;
      firstFailure ??= outcome.detail;
    }
  }
  return { timings, failures, firstFailure, cpuMicros };
}

/** n raw GETs of a Partnero URL: what one call costs, without any function code. */
async function probe(command: Command<'probe'>) {
  const timings: number[] = [];
  for (let i = 0; i < command.n; i++) {
    const started = performance.now();
    const res = await fetch(command.url, {
      headers: { authorization: command.authorization, accept: 'application/json' },
    });
    await res.text();
    timings.push(performance.now() - started);
  }
  return { timings };
}

/** Every message of the file through the handler, batch by batch, as SQS would deliver them. */
async function drain(command: Command<'drain'>): Promise<DrainResult> {
  const messages = JSON.parse(readFileSync(command.file, 'utf8')) as {
    messageId: string;
    body: string;
  }[];
  const queue = new SimulatedQueue(messages, command.maxReceives);
  const timings: number[] = [];
  let failedInvocations = 0;
  let firstFailure: string | undefined;
  const wallStarted = performance.now();
  while (queue.size > 0) {
    const batch = queue.receive(command.batchSize);
    const event = { Records: batch.map((m) => sqsRecord(m.messageId, m.body, m.receiveCount)) };
    const outcome = await invoke(event, 'sqs');
    timings.push(outcome.ms);
    if (!outcome.ok) {
      failedInvocations += 1;
      firstFailure ??= outcome.detail;
    }
    queue.settle(batch, new Set(outcome.failedIds ?? batch.map((m) => m.messageId)));
  }
  return {
    timings,
    wallMs: performance.now() - wallStarted,
    failedInvocations,
    firstFailure,
    redeliveries: queue.redeliveries,
    deadLetters: queue.deadLetters.map((m) => m.messageId),
  };
}

/** One SQS invocation with the batch the harness handed over (bench/lib/pooled-drain.ts). */
async function invokeBatch(command: Command<'batch'>): Promise<BatchResult> {
  const event = {
    Records: command.messages.map((m) => sqsRecord(m.messageId, m.body, m.receiveCount)),
  };
  const cpu = process.cpuUsage();
  const outcome = await invoke(event, 'sqs', command.timeoutMs);
  const used = process.cpuUsage(cpu);
  return {
    ms: outcome.ms,
    ok: outcome.ok,
    failedIds: outcome.failedIds ?? command.messages.map((m) => m.messageId),
    detail: outcome.detail,
    cpuMicros: used.user + used.system,
  };
}

async function run(command: WarmCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'load': {
      functionName = command.functionName;
      const started = performance.now();
      handler = (await import(pathToFileURL(command.bundle).href)).handler as Handler;
      return { importMs: performance.now() - started };
    }
    case 'run':
      return runInvocations(command);
    case 'probe':
      return probe(command);
    case 'drain':
      return drain(command);
    case 'batch':
      return invokeBatch(command);
    case 'exit':
      process.exit(0);
  }
}

process.on('message', (command: WarmCommand) => {
  run(command).then(
    (result) => process.send?.({ ok: true, result }),
    (error: unknown) => process.send?.({ ok: false, error: String((error as Error)?.stack ?? error) }),
  );
});
// The harness went away (crashed or killed): a container has no reason to outlive it.
process.on('disconnect', () => process.exit(0));
process.send?.({ ok: true, result: 'ready' });
