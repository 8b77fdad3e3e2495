import type { RunningSandbox } from '#local/sandbox/index.js';

// biome-ignore lint/suspicious/noExplicitAny: responses are inspected ad hoc in tests
export type Json = any;

export interface Reply {
  status: number;
  body: Json;
  headers: Headers;
}

async function toReply(res: Response): Promise<Reply> {
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Calls the sandbox API (`path` relative to /v1) with the sandbox's key unless another is given. */
export function apiClient(sb: RunningSandbox, apiKey: string | null = sb.apiKey) {
  return async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${sb.apiUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return toReply(res);
  };
}

/** Calls a test control under /__sandbox. */
export async function control(
  sb: RunningSandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply> {
  const res = await fetch(`${sb.url}/__sandbox/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return toReply(res);
}

/** Polls `check` until it returns a value other than undefined (at most `timeoutMs`). */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Creates referrer `bob` and referred customer `alice` (referred by key). */
export async function seedReferral(api: ReturnType<typeof apiClient>) {
  const bob = await api('POST', '/customers', {
    key: 'bob',
    id: 'acct_7',
    email: 'bob@example.com',
    name: 'Bob',
  });
  const alice = await api('POST', '/customers', {
    key: 'alice',
    id: 'acct_42',
    email: 'alice@example.com',
    name: 'Alice',
    referring_customer: { key: 'bob' },
  });
  return { bob: bob.body.data, alice: alice.body.data };
}

export type Outcome = { status: number } | { error: string };

/**
 * A plain `fetch` to the sandbox API whose timeout the test fires itself with `giveUp()` (an
 * AbortController, as a client's timeout would), once the condition under test holds, so no
 * assertion depends on how long anything takes. `settled` tells whether an answer (or error) came.
 */
export function abortableFetch(sb: RunningSandbox, method: string, path: string, body?: unknown) {
  const controller = new AbortController();
  const state = { settled: false };
  const outcome: Promise<Outcome> = fetch(`${sb.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${sb.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: controller.signal,
  })
    .then(async (res): Promise<Outcome> => {
      await res.arrayBuffer();
      return { status: res.status };
    })
    // `name`, not instanceof: under jest the DOMException comes from another realm.
    .catch((err: unknown): Outcome => ({ error: String((err as { name?: unknown })?.name ?? err) }))
    .finally(() => {
      state.settled = true;
    });
  return {
    outcome,
    giveUp: () => controller.abort(),
    get settled() {
      return state.settled;
    },
  };
}

/**
 * A customer's public key. Customer objects carry no `key` (Partnero publishes `id` only); the key shows
 * in the referral link, as `?ref=KEY` with the sandbox's default parameter.
 */
export function keyOf(customer: { referral_link: string }): string | null {
  return new URL(customer.referral_link).searchParams.get('ref');
}

export interface BalanceUnit {
  amount: number;
  amount_units: string;
  is_currency: boolean;
}

/**
 * `GET /customers/{id}/balance` as published (developers.partnero.com, "Get balance of a customer"):
 * `{customer, balance: {currency: [{amount, amount_units, is_currency}]}}`; answers the unit list.
 */
export async function balanceUnits(api: ReturnType<typeof apiClient>, id: string): Promise<BalanceUnit[]> {
  const res = await api('GET', `/customers/${encodeURIComponent(id)}/balance`);
  if (res.status !== 200) throw new Error(`balance of ${id}: HTTP ${res.status}`);
  const { data } = res.body;
  if (Object.keys(data).sort().join() !== 'balance,customer' || !Array.isArray(data.balance?.currency)) {
    throw new Error(`balance of ${id} is not the published shape: ${JSON.stringify(res.body)}`);
  }
  return data.balance.currency;
}

/** The amount of one money unit in a customer's balance (0 when the list has no entry for it). */
export async function moneyIn(api: ReturnType<typeof apiClient>, id: string, currency = 'USD') {
  const units = await balanceUnits(api, id);
  return units.find((u) => u.is_currency && u.amount_units === currency)?.amount ?? 0;
}

/** The sandbox's own view (`/__sandbox/state`): records with their keys, and each transaction's reward. */
export async function sandboxState(sb: RunningSandbox): Promise<Json> {
  return (await control(sb, 'GET', 'state')).body;
}
