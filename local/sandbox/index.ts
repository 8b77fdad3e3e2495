import type { AddressInfo } from 'node:net';
import { seededRandom } from '#local/random.js';
import { Faults } from './faults.js';
import type { ProgramType, Sandbox, SandboxConfig } from './http.js';
import { LateCommits } from './late-commits.js';
import { attachRateLimit, RateLimit, type RateLimitSettings } from './rate-limit.js';
import { createSandboxServer } from './server.js';
import { Store } from './store.js';
import { Variants } from './variants.js';
import { type WebhookOptions, Webhooks } from './webhooks.js';

export { seededRandom } from '#local/random.js';
export { sandboxClient } from './client.js';
export {
  COMMIT_KINDS,
  FAULT_KINDS,
  type FaultKind,
  type FaultRule,
  type FaultRuleInput,
  type FaultSpec,
  Faults,
} from './faults.js';
export type { ProgramType, SandboxConfig } from './http.js';
export { type AppliedLateCommit, type LateCommitInfo, LateCommits } from './late-commits.js';
export { RateLimit, type RateLimitSettings } from './rate-limit.js';
export { Store, type WebhookRecord } from './store.js';
export { VARIANT_POINTS, Variants } from './variants.js';
export {
  type Delivery,
  sign as signWebhookBody,
  type WebhookEvent,
  type WebhookOptions,
  Webhooks,
} from './webhooks.js';

export interface SandboxOptions {
  apiKey?: string;
  host?: string;
  port?: number;
  siteUrl?: string;
  rewardPercent?: number;
  /** Points the referrer earns per referred sign-up (default 0, none); see `SandboxConfig.referralPoints`. */
  referralPoints?: number;
  referralParam?: string;
  cookieDays?: number;
  stateFile?: string;
  /**
   * Sandbox-only shortcut: at start (and after a reset) one subscription per url to every
   * refer-a-friend event, signed with `secret`; also the retry policy of every subscription.
   */
  webhooks?: WebhookOptions;
  /** Refuse a repeated transaction key with 422. Off by default: Partnero records the duplicate. */
  strictTransactionKeys?: boolean;
  /** The program type the key belongs to (default `refer-a-friend`); see `SandboxConfig.program`. */
  program?: ProgramType;
  /** Seed for fault injection's random choices (default: Math.random), and for `variants`. */
  seed?: number;
  /**
   * Answer any plausible reading where Partnero publishes nothing or contradicts itself (`variants.ts`),
   * chosen with `seed` (default 1). Off: only the published shapes.
   */
  variants?: boolean;
  /** Throttle the API (token bucket, 429 with Retry-After); off by default; a reset restores this. */
  rateLimit?: RateLimitSettings;
}

export interface RunningSandbox {
  url: string;
  apiUrl: string;
  apiKey: string;
  store: Store;
  /** Live settings; `config.strictTransactionKeys` may be changed at runtime. */
  config: SandboxConfig;
  /** Fault rules and latency, the same ones `/__sandbox/faults` and `/__sandbox/latency` set. */
  faults: Faults;
  /** Writes held by `late-commit` faults (`pending`, `applied`, `flush()`). */
  lateCommits: LateCommits;
  /** Whether answers vary among the plausible readings (`variants.on`). */
  variants: Variants;
  /** Subscriptions and deliveries (`deliveries`, `replay()`, `configure()`). */
  webhooks: Webhooks;
  /** The API's rate limit, the one `/__sandbox/rate-limit` sets: `set({requestsPerSecond, burst})`, `set(null)`. */
  rateLimit: RateLimit;
  /** Same as `POST /__sandbox/reset`. */
  reset(): void;
  close(): Promise<void>;
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function createSandbox(opts: SandboxOptions): Sandbox & { rateLimit: RateLimit } {
  const config: SandboxConfig = {
    apiKey: opts.apiKey ?? 'sandbox_secret_key',
    siteUrl: opts.siteUrl ?? 'http://localhost:3000/',
    rewardPercent: opts.rewardPercent ?? 10,
    referralPoints: opts.referralPoints ?? 0,
    referralParam: opts.referralParam ?? 'ref',
    cookieDays: opts.cookieDays ?? 30,
    strictTransactionKeys: opts.strictTransactionKeys ?? false,
    program: opts.program ?? 'refer-a-friend',
  };
  const store = new Store(opts.stateFile);
  const webhooks = new Webhooks(store, opts.webhooks);
  const faults = new Faults(opts.seed === undefined ? Math.random : seededRandom(opts.seed));
  const lateCommits = new LateCommits();
  const rateLimit = new RateLimit(opts.rateLimit);
  const variants = new Variants(opts.variants ? (opts.seed ?? 1) : null);
  const sandbox = {
    store,
    config,
    webhooks,
    faults,
    lateCommits,
    variants,
    rateLimit,
    url: '',
    reset() {
      lateCommits.clear();
      rateLimit.set(opts.rateLimit ?? null);
      store.reset();
      webhooks.reset();
      faults.clear();
      faults.latencyMs = 0;
      config.strictTransactionKeys = opts.strictTransactionKeys ?? false;
    },
  };
  attachRateLimit(sandbox, rateLimit);
  return sandbox;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const sb = createSandbox(opts);
  const server = createSandboxServer(sb);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  sb.url = `http://${displayHost(host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: sb.url,
    apiUrl: `${sb.url}/v1`,
    apiKey: sb.config.apiKey,
    store: sb.store,
    config: sb.config,
    faults: sb.faults,
    lateCommits: sb.lateCommits,
    variants: sb.variants,
    webhooks: sb.webhooks,
    rateLimit: sb.rateLimit,
    reset: () => sb.reset(),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        sb.webhooks.stop();
        // Closing the connections must not land the writes of late-commit faults.
        sb.lateCommits.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
