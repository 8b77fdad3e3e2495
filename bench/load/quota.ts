/**
 * `npm run bench:load` (second part) — Partnero's budget under attack, on loopback only.
 *
 * The whole local system (ephemeral ports) with the sandbox limited to 25 requests per second, as a
 * Partnero plan would be, and the stack's default budget (20 calls/s, half reserved for money, 60 calls
 * per account per minute, dashboards cached 30 s). For a fixed time, at once:
 * - one abusive customer polls GET /referrals/me at 10× the per-customer limit, a new page each time so
 *   the cache never answers for them (2.5 dashboards/s = 600 Partnero calls a minute against 60);
 * - a crowd of new accounts signs up all at once, each retrying after Retry-After on a 429;
 * - orders flow (`Order Placed` on the bus → queue → consumer → Partnero), the money path;
 * - honest customers load their dashboards every few seconds.
 * Reports the abuser's 429s, the honest customers' 503s (target 0) and the money path's Partnero calls
 * that were refused (target 0), by Partnero (a 429 on a money call) or by our budget (an order event
 * delivered again because its call was refused). Bounded in count and time; exit code 1 when a target
 * is missed.
 *
 * Options: --seconds=N (default 20), --newcomers=N (default 40), --no-write.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionName } from '#local/functions.js';
import { type LocalSystem, startLocalSystem } from '#local/system.js';
import { enrolReferrer, type LoadUser, login, signInUsers } from './users.js';

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
const SANDBOX_RPS = 25;
const log = (line: string) => console.error(`[load:quota] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Cli {
  seconds: number;
  newcomers: number;
  write: boolean;
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { seconds: 20, newcomers: 40, write: true };
  for (const arg of argv) {
    const [flag, value = ''] = arg.split('=', 2);
    const n = Number(value);
    if (flag === '--seconds' && Number.isInteger(n) && n >= 5 && n <= 120) cli.seconds = n;
    else if (flag === '--newcomers' && Number.isInteger(n) && n >= 1 && n <= 500) cli.newcomers = n;
    else if (arg === '--no-write') cli.write = false;
    else throw new Error(`unknown or out-of-range option ${arg}`);
  }
  return cli;
}

/** Answers by status. */
class Tally {
  readonly statuses: Record<string, number> = {};
  add(status: number) {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
  }
  count(status: number) {
    return this.statuses[status] ?? 0;
  }
  get total() {
    return Object.values(this.statuses).reduce((a, b) => a + b, 0);
  }
}

async function request(
  url: string,
  token: string,
  init: { method?: string; body?: unknown; cookie?: string } = {},
) {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.cookie ? { cookie: init.cookie } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  let body: { customer?: { key?: string } } = {};
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, retryAfter: Number(res.headers.get('retry-after') ?? 1), body };
}

/** Runs `tick` every `everyMs` until `until` (epoch ms), without overlapping itself. */
async function every(everyMs: number, until: number, tick: (i: number) => Promise<void>) {
  for (let i = 0; Date.now() < until; i++) {
    const started = Date.now();
    await tick(i);
    await sleep(Math.max(0, everyMs - (Date.now() - started)));
  }
}

/**
 * Which Partnero calls the sandbox refused (429), by method and route: the sandbox counts each request
 * (`countRequest`) right before it takes a token, so a refusal belongs to the request counted last.
 */
function watchSandboxRefusals(system: LocalSystem) {
  const refused: Record<string, number> = {};
  const { store, rateLimit } = system.sandbox;
  let last = '';
  const count = store.countRequest.bind(store);
  store.countRequest = (label: string) => {
    last = label;
    count(label);
  };
  const take = rateLimit.take.bind(rateLimit);
  rateLimit.take = () => {
    const decision = take();
    if (!decision.ok) refused[last] = (refused[last] ?? 0) + 1;
    return decision;
  };
  return refused;
}

const isMoneyCall = (label: string) => /\/v1\/transactions/.test(label);

async function main(): Promise<number> {
  const cli = parseArgs(process.argv.slice(2));
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const deliveries = new Map<string, number>();
  const onInvoke = (fn: FunctionName, event: unknown) => {
    if (fn !== 'orderConsumer') return;
    for (const record of (event as { Records?: { messageId: string }[] }).Records ?? [])
      deliveries.set(record.messageId, (deliveries.get(record.messageId) ?? 0) + 1);
  };
  const system = await startLocalSystem({
    host: '127.0.0.1',
    port: 0,
    sandboxPort: 0,
    awsPort: 0,
    reconcilerIntervalMs: 0,
    onInvoke,
  });
  const api = system.urls.api;
  const prefix = `q${Date.now().toString(36)}`;
  try {
    log(`local system on ${api}; preparing users`);
    const referrer = await enrolReferrer(api, prefix);
    const cookie = `partnero_referral=${referrer.key}`;
    const honest = await signInUsers(api, `${prefix}-honest`, 8);
    // Orders name the buyer by their public key, as the demo shop does.
    const buyerKeys: string[] = [];
    for (const user of honest) {
      const res = await request(`${api}/referrals/signup`, user.token, { method: 'POST', body: {}, cookie });
      if (res.body.customer?.key) buyerKeys.push(res.body.customer.key);
    }
    const abuser = await login(api, {
      userId: `${prefix}-abuser`,
      email: `${prefix}-abuser@example.com`,
      name: 'A',
    });
    await request(`${api}/referrals/signup`, abuser.token, { method: 'POST', body: {} });
    const newcomers = await signInUsers(api, `${prefix}-new`, cli.newcomers);

    const refusedBySandbox = watchSandboxRefusals(system);
    system.sandbox.rateLimit.set({ requestsPerSecond: SANDBOX_RPS });
    log(`sandbox limited to ${SANDBOX_RPS} req/s; running for ${cli.seconds} s`);
    const until = Date.now() + cli.seconds * 1000;
    const abuse = new Tally();
    const dashboards = new Tally();
    const signups = new Tally();
    const firstSignups = new Tally();
    let signupAttempts = 0;
    const orders: string[] = [];

    // 10× the per-customer limit (60 calls = 15 dashboards a minute): 150 a minute, a new page each time.
    const abuserLoop = every(400, until, async (i) => {
      abuse.add((await request(`${api}/referrals/me?page=${(i % 5000) + 1}`, abuser.token)).status);
    });
    const honestLoops = honest.map((user, n) =>
      every(3000, until, async () => {
        if (n > 0 && dashboards.total === 0) await sleep(n * 300);
        dashboards.add((await request(`${api}/referrals/me`, user.token)).status);
      }),
    );
    const signUp = async (user: LoadUser) => {
      for (let attempt = 0; attempt < 20 && Date.now() < until + 10_000; attempt++) {
        signupAttempts++;
        const res = await request(`${api}/referrals/signup`, user.token, {
          method: 'POST',
          body: {},
          cookie,
        });
        if (attempt === 0) firstSignups.add(res.status);
        if (res.status !== 429) return signups.add(res.status);
        await sleep(res.retryAfter * 1000 * (1 + Math.random()));
      }
      signups.add(429);
    };
    const crowd = sleep(1000).then(() => Promise.all(newcomers.map(signUp)));
    const orderLoop = every(250, until, async (i) => {
      const buyer = buyerKeys[i % buyerKeys.length] as string;
      orders.push((await system.orders.place(buyer, { amount: 10 + (i % 7) })).orderId);
    });
    await Promise.all([abuserLoop, ...honestLoops, crowd, orderLoop]);

    // Let the order pipeline finish (bounded).
    const drainUntil = Date.now() + 60_000;
    while (system.orderQueue.depth > 0 && Date.now() < drainUntil) await sleep(250);
    const recorded = orders.filter((id) => system.sandbox.store.transaction(id) !== undefined).length;
    const redelivered = [...deliveries.values()].filter((n) => n > 1).length;
    const moneyRefusedByPartnero = Object.entries(refusedBySandbox)
      .filter(([label]) => isMoneyCall(label))
      .reduce((sum, [, n]) => sum + n, 0);
    const allRefusedByPartnero = Object.values(refusedBySandbox).reduce((a, b) => a + b, 0);

    const results = {
      settings: {
        seconds: cli.seconds,
        sandboxRequestsPerSecond: SANDBOX_RPS,
        budget: system.env.PARTNERO_CALLS_PER_SECOND,
        moneyShare: system.env.PARTNERO_MONEY_SHARE,
        customerCallsPerMinute: system.env.CUSTOMER_CALLS_PER_MINUTE,
        dashboardCacheSeconds: system.env.DASHBOARD_CACHE_SECONDS,
        honestCustomers: honest.length,
        newcomers: newcomers.length,
      },
      abuser: { requests: abuse.total, statuses: abuse.statuses, rateLimited429: abuse.count(429) },
      honestDashboards: {
        requests: dashboards.total,
        statuses: dashboards.statuses,
        unavailable503: dashboards.count(503),
      },
      newcomers: {
        firstAttempt: firstSignups.statuses,
        final: signups.statuses,
        attempts: signupAttempts,
        unavailable503: signups.count(503),
      },
      moneyPath: {
        ordersPlaced: orders.length,
        ordersRecordedInPartnero: recorded,
        deadLettered: system.deadLetterQueue.depth,
        eventsRedelivered: redelivered,
        partneroCallsRefusedByPartnero: moneyRefusedByPartnero,
      },
      partnero429sByRoute: refusedBySandbox,
      partnero429sTotal: allRefusedByPartnero,
    };
    console.log(JSON.stringify(results, null, 2));
    const moneyRefused = moneyRefusedByPartnero + redelivered + system.deadLetterQueue.depth;
    const failures = [
      ...(dashboards.count(503) > 0 ? [`honest customers got ${dashboards.count(503)} 503s`] : []),
      ...(moneyRefused > 0 ? [`the money path had ${moneyRefused} refused calls or redeliveries`] : []),
      ...(recorded < orders.length ? [`${orders.length - recorded} orders not recorded in Partnero`] : []),
      ...(abuse.count(429) === 0 ? ['the abuser was never refused'] : []),
    ];
    console.log(
      `\nabuser: ${abuse.count(429)} of ${abuse.total} answered 429 · honest dashboards: ${dashboards.count(503)} 503s of ${dashboards.total} · money path: ${moneyRefused} refused (${recorded}/${orders.length} orders recorded) · Partnero 429s: ${allRefusedByPartnero}`,
    );
    if (cli.write) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      writeFileSync(
        join(RESULTS_DIR, 'load-quota.json'),
        `${JSON.stringify({ ...results, failures }, null, 2)}\n`,
      );
      log('wrote bench/results/load-quota.json');
    }
    if (failures.length > 0) {
      console.error(`FAILED:\n${failures.map((f) => `- ${f}`).join('\n')}`);
      return 1;
    }
    return 0;
  } finally {
    system.sandbox.rateLimit.set(null);
    await system.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('The quota load test crashed:', e);
    process.exit(1);
  },
);
