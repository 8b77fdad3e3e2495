/**
 * The harness's child processes: a fresh `node` per cold start, and long-lived warm containers
 * driven over IPC. Children get a clean environment (nothing of the harness's own, e.g. no tsx
 * loader), the Lambda variables a function sees, and their own Secrets Manager SecretId so the local
 * endpoint counts reads per container.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { OUT_DIR } from '#bench/build.js';
import type { WarmCommand } from '#bench/child/warm.js';

export interface Endpoints {
  partneroApiUrl: string;
  awsUrl: string;
}

export const SECRET_PREFIX = 'bench/partnero/';
/** The tables the children's functions use; bench/lib/local-aws.ts creates them. */
export const BENCH_TABLES = {
  idempotency: 'bench-idempotency',
  orderLedger: 'bench-order-ledger',
  referralKeys: 'bench-referral-keys',
} as const;
/** The key of the email hash in the public-key map, as the stack generates one. */
export const BENCH_EMAIL_HASH_SECRET = 'bench/email-hash-key';
export const SECRET_TTL_SECONDS = 300;

/** The environment of one Lambda container (docs/runtime-contract.md + what Lambda itself sets). */
export function lambdaEnv(endpoints: Endpoints, functionName: string, secretId: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TZ: 'UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
    AWS_SECRET_ACCESS_KEY: 'benchmark',
    AWS_SESSION_TOKEN: 'benchmark',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2025/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.awsUrl,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.awsUrl,
    AWS_ENDPOINT_URL_SQS: endpoints.awsUrl,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.awsUrl,
    // Lambda runs Node 22, where the SDK prints no Node-version notice; keep Node 20 as quiet.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    PARTNERO_API_URL: endpoints.partneroApiUrl,
    PARTNERO_SECRET_ID: secretId,
    SECRET_CACHE_TTL_SECONDS: String(SECRET_TTL_SECONDS),
    // As the stack sets them (infra/referral-stack.ts): INFO logs are part of the real overhead.
    POWERTOOLS_SERVICE_NAME: 'partnero-referrals',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_NAMESPACE: 'PartneroReferrals',
    CUSTOMER_KEY_CLAIM: 'sub',
    REQUIRED_TOKEN_USE: 'id',
    IDEMPOTENCY_TABLE_NAME: BENCH_TABLES.idempotency,
    ORDER_LEDGER_TABLE_NAME: BENCH_TABLES.orderLedger,
    REFERRAL_KEYS_TABLE_NAME: BENCH_TABLES.referralKeys,
    EMAIL_HASH_SECRET_ID: BENCH_EMAIL_HASH_SECRET,
    ORDER_DLQ_URL: `${endpoints.awsUrl}/123456789012/bench-order-events-dlq`,
  };
}

function collect(stream: Readable | null, keep: number) {
  const state = { bytes: 0, tail: '' };
  stream?.on('data', (chunk: Buffer) => {
    state.bytes += chunk.byteLength;
    state.tail = (state.tail + chunk.toString('utf8')).slice(-keep);
  });
  return state;
}

export interface ColdResult {
  ok: boolean;
  status?: unknown;
  body?: string;
  importMs: number;
  firstInvokeMs: number;
  totalMs: number;
  processStartToReadyMs: number;
  maxRssKb: number;
  stderr?: string;
}

/** Runs one cold start in a fresh process; rejects only when the child produced no report at all. */
export function coldStart(
  spec: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
  /** Node flags, e.g. `--cpu-prof` for bench/profile.ts; none for measurements. */
  nodeFlags: string[] = [],
) {
  return new Promise<ColdResult>((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, join(OUT_DIR, 'child', 'cold.mjs')], {
      env: { ...env, BENCH_SPEC: JSON.stringify(spec) },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    const stdout = collect(child.stdout, 2000);
    const stderr = collect(child.stderr, 4000);
    let report = '';
    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      report += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (report === '') {
        reject(
          new Error(
            `cold-start child exited (${signal ?? code}) without a report: ${stderr.tail || stdout.tail}`.slice(
              0,
              3000,
            ),
          ),
        );
        return;
      }
      const result = JSON.parse(report) as ColdResult;
      if (!result.ok) result.stderr = `${stderr.tail}\n${stdout.tail}`.trim().slice(-3000);
      resolve(result);
    });
  });
}

const running = new Set<ChildProcess>();

/** Kills every warm container still running (after a crash, so the harness can exit). */
export function killAllChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** A warm container: one process, one bundle, commands over IPC, one at a time. */
export class WarmChild {
  private readonly child: ChildProcess;
  private readonly stdout: { bytes: number; tail: string };
  private readonly stderr: { bytes: number; tail: string };
  private pending: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  private readonly ready: Promise<unknown>;
  readonly startedAt = Date.now();

  constructor(
    readonly label: string,
    readonly secretId: string,
    env: NodeJS.ProcessEnv,
    /** Node flags, e.g. `--cpu-prof` for bench/profile.ts; none for measurements. */
    execArgv: string[] = [],
  ) {
    this.child = fork(join(OUT_DIR, 'child', 'warm.mjs'), [], {
      env,
      execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    running.add(this.child);
    this.stdout = collect(this.child.stdout, 2000);
    this.stderr = collect(this.child.stderr, 4000);
    this.ready = new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
    this.child.on('message', (message: { ok: boolean; result?: unknown; error?: string }) => {
      const pending = this.pending;
      this.pending = undefined;
      if (!pending) return;
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new Error(`${this.label}: ${message.error}`));
    });
    this.child.on('exit', (code, signal) => {
      running.delete(this.child);
      this.pending?.reject(
        new Error(
          `${this.label} exited (${signal ?? code}): ${this.stderr.tail || this.stdout.tail}`.slice(0, 3000),
        ),
      );
      this.pending = undefined;
    });
  }

  /** Bytes the container wrote to stdout (its logs) so far. */
  get logBytes(): number {
    return this.stdout.bytes;
  }

  async request<T>(command: WarmCommand): Promise<T> {
    await this.ready;
    if (this.pending) throw new Error(`${this.label}: a command is already running`);
    return new Promise<T>((resolve, reject) => {
      this.pending = { resolve: resolve as (v: unknown) => void, reject };
      this.child.send(command);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'exit' } satisfies WarmCommand);
    await exited;
  }
}
