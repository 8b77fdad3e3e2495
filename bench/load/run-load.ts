import type { LocalSystem } from '#local/system.js';
import {
  type Answer,
  loadRoute,
  type RouteLoadResult,
  type RouteLoadRun,
  type RouteLoadSpec,
} from './route-load.js';
import { enrolReferrer, type LoadUser, type Referrer, signInUsers } from './users.js';

export interface LoadSettings {
  /** Requests per route (autocannon `amount`). @default 2000 */
  requests: number;
  /** Concurrent connections per route. @default 10 */
  connections: number;
  /** Prefix of every user id, so runs against one sandbox never share users. */
  prefix?: string;
  /** Progress lines (the CLI prints them; tests pass nothing). */
  log?: (line: string) => void;
}

export interface LoadCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface LoadRun {
  referrer: string;
  routes: RouteLoadResult[];
  checks: LoadCheck[];
  /** Why the run failed (5xx, errors, timeouts, missing responses, failed checks); empty when it passed. */
  failures: string[];
  prepareSeconds: number;
}

const SIGNUP = '/referrals/signup';
const DASHBOARD = '/referrals/me';

interface CustomerBody {
  customer?: { key?: unknown; referred_by?: { key?: unknown } | null };
}

/** Whether a customer answer names `referrer` (by the public key of their link) as who referred them. */
const referredBy = (customer: CustomerBody['customer'], referrer: Referrer) =>
  customer?.referred_by?.key === referrer.key;

function parse(answer: Answer): CustomerBody | undefined {
  try {
    return JSON.parse(answer.body) as CustomerBody;
  } catch {
    return undefined;
  }
}

/**
 * Every sign-up answered 201, attributed to the referrer, each with a public key of its own (the answer
 * names no account id, so users are told apart by their keys).
 */
function checkSignupAnswers(answers: Answer[], sentUsers: LoadUser[], referrer: Referrer): LoadCheck[] {
  const keys = new Set<string>();
  let notCreated = 0;
  let wrongReferrer = 0;
  let unknown = 0;
  for (const answer of answers) {
    const customer = parse(answer)?.customer;
    if (answer.status !== 201) notCreated++;
    if (answer.status >= 300) continue;
    if (!referredBy(customer, referrer)) wrongReferrer++;
    if (typeof customer?.key === 'string' && customer.key !== referrer.key) keys.add(customer.key);
    else unknown++;
  }
  return [
    {
      name: 'every sign-up is a new enrolment (201)',
      ok: notCreated === 0 && answers.length === sentUsers.length,
      detail: `${answers.length - notCreated} of ${sentUsers.length} sent answered 201`,
    },
    {
      name: 'every sign-up answer names the referrer and a distinct user',
      ok: wrongReferrer === 0 && unknown === 0 && keys.size === answers.filter((a) => a.status < 300).length,
      detail: `${keys.size} distinct users, ${wrongReferrer} without referred_by=${referrer.key}, ${unknown} unknown`,
    },
  ];
}

/** Every enrolled user exists in the sandbox once, attributed to the referrer, and nobody else is. */
function checkSandbox(
  system: LocalSystem,
  sentUsers: LoadUser[],
  referrer: Referrer,
  prefix: string,
): LoadCheck[] {
  const customers = system.sandbox.store.state.customers.filter((c) => c.status === 'active');
  // Partnero knows each customer by its private id: the account id the token names.
  const byId = new Map(customers.map((c) => [c.id, c]));
  const referrerRecord = byId.get(referrer.userId);
  let missing = 0;
  let unattributed = 0;
  for (const user of sentUsers) {
    const record = byId.get(user.userId);
    if (!record || record.email !== user.email) missing++;
    else if (!referrerRecord || record.referrerUid !== referrerRecord.uid) unattributed++;
  }
  const ours = customers.filter((c) => c.id?.startsWith(`${prefix}-`) && c.id !== referrer.userId);
  const referred = referrerRecord ? customers.filter((c) => c.referrerUid === referrerRecord.uid) : [];
  return [
    {
      name: 'sandbox: every signed-up user exists, attributed to the referrer',
      ok: referrerRecord !== undefined && missing === 0 && unattributed === 0,
      detail: `${sentUsers.length - missing - unattributed} of ${sentUsers.length}; ${missing} missing, ${unattributed} not attributed`,
    },
    {
      name: 'sandbox: no duplicate or extra customers',
      ok: ours.length === sentUsers.length && referred.length === sentUsers.length,
      detail: `${ours.length} load customers, ${referred.length} referred by ${referrer.key}`,
    },
  ];
}

/** The referrer's own dashboard, through the gateway: every friend counted. */
async function checkReferrerDashboard(
  apiUrl: string,
  referrer: Referrer,
  expected: number,
): Promise<LoadCheck> {
  const res = await fetch(`${apiUrl}${DASHBOARD}`, {
    headers: { authorization: `Bearer ${referrer.token}` },
  });
  const body = (await res.json()) as { stats?: { referrals?: number }; referrals?: { total?: number } };
  const referrals = body.stats?.referrals;
  const total = body.referrals?.total;
  return {
    name: "the referrer's dashboard counts every friend",
    ok: res.status === 200 && referrals === expected && total === expected,
    detail: `GET ${DASHBOARD} → ${res.status}, stats.referrals ${referrals}, referrals.total ${total} (expected ${expected})`,
  };
}

/** Every dashboard answer is a 200 for an enrolled user referred by the referrer. */
function checkDashboardAnswers(answers: Answer[], enrolled: Set<string>, referrer: Referrer): LoadCheck {
  let bad = 0;
  for (const answer of answers) {
    const customer = parse(answer)?.customer;
    const key = customer?.key;
    if (answer.status !== 200 || typeof key !== 'string' || !enrolled.has(key)) bad++;
    else if (!referredBy(customer, referrer)) bad++;
  }
  return {
    name: 'every dashboard answer is the caller’s own (200, referred by the referrer)',
    ok: bad === 0,
    detail: `${answers.length - bad} of ${answers.length}`,
  };
}

/** What fails the run: any 5xx, error or timeout, or fewer responses than requested. Never latency. */
function failuresOf(routes: RouteLoadResult[], checks: LoadCheck[]): string[] {
  const failures: string[] = [];
  for (const r of routes) {
    if (r.non2xx['5xx'] > 0) failures.push(`${r.route}: ${r.non2xx['5xx']} responses 5xx`);
    if (r.errors > 0) failures.push(`${r.route}: ${r.errors} errors (${r.timeouts} timeouts)`);
    if (r.answered < r.requests)
      failures.push(`${r.route}: ${r.answered} of ${r.requests} requests answered`);
  }
  for (const c of checks) if (!c.ok) failures.push(`check failed: ${c.name} (${c.detail})`);
  return failures;
}

type Sandbox = LocalSystem['sandbox'];

/** Records the sandbox API calls per answered request since the counters were last reset. */
function recordPartneroCalls(sandbox: Sandbox, run: RouteLoadRun): RouteLoadRun {
  const calls = sandbox.store.requests.total;
  run.result.partneroCallsPerRequest = Math.round((calls / Math.max(1, run.result.answered)) * 100) / 100;
  return run;
}

/** A referrer and `requests` users signed in at the local issuer, before the clock starts. */
async function prepare(api: string, prefix: string, requests: number) {
  const started = performance.now();
  const referrer = await enrolReferrer(api, prefix);
  const users = await signInUsers(api, prefix, requests);
  // One dashboard read before the clock starts, as the demo does after its sign-up.
  await fetch(`${api}${DASHBOARD}`, { headers: { authorization: `Bearer ${referrer.token}` } }).then((r) =>
    r.arrayBuffer(),
  );
  return { referrer, users, seconds: (performance.now() - started) / 1000 };
}

/** The route's spec with the run's request count and connections. */
const routeSpec = (
  method: RouteLoadSpec['method'],
  path: string,
  settings: LoadSettings,
  requestFor: RouteLoadSpec['requestFor'],
): RouteLoadSpec => ({
  route: `${method} ${path}`,
  method,
  path,
  requests: settings.requests,
  connections: settings.connections,
  requestFor,
});

/** `requests` sign-ups, each a different user carrying the referrer's `partnero_referral` cookie. */
async function loadSignups(api: string, settings: LoadSettings, users: LoadUser[], referrer: Referrer) {
  const sentUsers: LoadUser[] = [];
  let reused = 0;
  const run = await loadRoute(
    api,
    routeSpec('POST', SIGNUP, settings, (i) => {
      // More requests than users only after timeouts or dropped connections (which fail the run anyway).
      if (i >= users.length) reused++;
      const user = users[i % users.length] as LoadUser;
      if (i < users.length) sentUsers.push(user);
      return {
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          authorization: `Bearer ${user.token}`,
          cookie: `partnero_referral=${referrer.key}`,
        },
        body: JSON.stringify({ name: user.name }),
      };
    }),
  );
  return { run, sentUsers, reused };
}

/** `requests` dashboard reads, spread over `readers`. */
function loadDashboards(api: string, settings: LoadSettings, readers: LoadUser[]): Promise<RouteLoadRun> {
  return loadRoute(
    api,
    routeSpec('GET', DASHBOARD, settings, (i) => {
      const user = readers[i % readers.length] as LoadUser;
      return { headers: { accept: 'application/json', authorization: `Bearer ${user.token}` } };
    }),
  );
}

/** The users whose sign-up answered 201 with their own customer key. */
function enrolledKeys(answers: Answer[]): Set<string> {
  return new Set(
    answers
      .filter((a) => a.status === 201)
      .map((a) => parse(a)?.customer?.key)
      .filter((k): k is string => typeof k === 'string'),
  );
}

/**
 * The load test against a running local system: a referrer and `requests` new users signed in at the
 * local issuer, then `requests` sign-ups, then `requests` dashboard reads by the users just enrolled;
 * then the answers and the sandbox are checked.
 */
export async function runLoad(system: LocalSystem, settings: LoadSettings): Promise<LoadRun> {
  const log = settings.log ?? (() => {});
  const prefix = settings.prefix ?? `load-${Date.now().toString(36)}`;
  // The gateway listens on 127.0.0.1; its URL says localhost (for the demo page's cookies).
  const url = new URL(system.urls.api);
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  const api = url.origin;

  const { referrer, users, seconds: prepareSeconds } = await prepare(api, prefix, settings.requests);
  log(`prepared a referrer and ${users.length} signed-in users in ${prepareSeconds.toFixed(1)} s`);

  system.sandbox.store.resetRequests();
  const { run, sentUsers, reused } = await loadSignups(api, settings, users, referrer);
  const signup = recordPartneroCalls(system.sandbox, run);
  log(`${signup.result.route}: ${signup.result.answered} answered in ${signup.result.seconds} s`);

  const enrolled = enrolledKeys(signup.answers);
  const inPartnero = new Set(system.sandbox.store.state.customers.map((c) => c.id));
  const readers = sentUsers.filter((u) => inPartnero.has(u.userId));
  system.sandbox.store.resetRequests();
  const dashboard = recordPartneroCalls(
    system.sandbox,
    await loadDashboards(api, settings, readers.length > 0 ? readers : [referrer]),
  );
  log(`${dashboard.result.route}: ${dashboard.result.answered} answered in ${dashboard.result.seconds} s`);

  const checks: LoadCheck[] = [
    ...checkSignupAnswers(signup.answers, sentUsers, referrer),
    {
      name: 'one user per sign-up request',
      ok: reused === 0,
      detail: `${reused} requests beyond the ${users.length} users`,
    },
    ...checkSandbox(system, sentUsers, referrer, prefix),
    await checkReferrerDashboard(api, referrer, sentUsers.length),
    checkDashboardAnswers(dashboard.answers, enrolled, referrer),
  ];
  const routes = [signup.result, dashboard.result];
  return {
    referrer: referrer.key,
    routes,
    checks,
    failures: failuresOf(routes, checks),
    prepareSeconds: Math.round(prepareSeconds * 10) / 10,
  };
}
