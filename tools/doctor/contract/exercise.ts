import { randomBytes } from 'node:crypto';
import {
  type CallOptions,
  createPartneroClient,
  type PartneroClient,
  type PartneroFetch,
} from '#shared/partnero/index.js';
import { defaultSleep } from '#shared/partnero/retry.js';
import { ASSUMPTIONS, type Assumption, type Verdict } from './assumptions.js';
import { type Leftovers, removeLeftovers } from './leftovers.js';
import { EMAIL_DOMAIN, runName } from './names.js';
import type { Observations, Poll, Sent, Step } from './observations.js';
import { type Recorder, recordingFetch } from './recorder.js';
import { errorOf, failureOf } from './shapes.js';

export interface ContractOptions {
  baseUrl: string;
  apiKey: string;
  /** The transport (the production one in the CLI; tests wrap it to make Partnero misbehave). */
  fetch: PartneroFetch;
  now?: () => number;
  /** How the look-ups wait between tries (injected for tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** How often a look-up is tried before it is judged (default 10), and the wait between tries (3 s). */
  lookupTries?: number;
  lookupDelayMs?: number;
  /** Customers of a run younger than this are not leftovers: that run may still be going (default 10 min). */
  leftoverMinAgeMs?: number;
  /** Aborting stops the checks; the cleanup still runs. */
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

export type AssumptionResult = Pick<Assumption, 'name' | 'source'> & Verdict;

export interface ContractRun {
  name: string;
  results: AssumptionResult[];
  leftovers: Leftovers;
  /** One line per thing the cleanup deleted or could not delete. */
  cleanup: string[];
  /** The signal stopped the checks (the cleanup still ran). */
  interrupted: boolean;
}

export const DEFAULT_LOOKUP_TRIES = 10;
export const DEFAULT_LOOKUP_DELAY_MS = 3_000;
export const LEFTOVER_MIN_AGE_MS = 10 * 60_000;

/** A made-up key: Partnero knows no program with it. */
const WRONG_KEY = 'referrals-contract-check-not-a-key';

/** What the run creates: two customers (a referrer and a friend it referred) and one sale of the friend. */
export function planOf(name: string, lookupTries = DEFAULT_LOOKUP_TRIES): Sent {
  const publicKey = () => `rcc${randomBytes(5).toString('hex')}`;
  const customer = (role: 'referrer' | 'friend') => ({
    id: `${name}-${role}`,
    key: publicKey(),
    email: `${name}-${role}@${EMAIL_DOMAIN}`,
    name,
    surname: role,
  });
  const referrer = customer('referrer');
  const friend = { ...customer('friend'), referring_customer: { id: referrer.id } };
  return {
    name,
    referrer,
    friend,
    transaction: {
      key: `${name}-order`,
      amount: 10,
      action: 'sale',
      amount_units: 'usd',
      customer: { id: friend.id },
    },
    lookupTries,
  };
}

/** Whether a failed call got a definitive answer (so trying again will not change it). */
const definitive = (step: Step<unknown>) => {
  const status = step.exchange?.status;
  return (
    step.error !== undefined && status !== null && status !== undefined && status < 500 && status !== 429
  );
};

class Calls {
  constructor(
    private readonly recorder: Recorder,
    private readonly options: ContractOptions,
  ) {}

  /**
   * Runs one client call, keeping its value or error and the raw answer to its last request with `method`
   * (a create the client read back with a GET keeps the POST's answer); an abort is rethrown.
   */
  async step<T>(run: () => Promise<T>, method?: string): Promise<Step<T>> {
    const mark = this.recorder.log.length;
    const exchange = () => {
      const sent = this.recorder.log.slice(mark);
      return sent.findLast((e) => method === undefined || e.method === method) ?? sent.at(-1);
    };
    try {
      const value = await run();
      return { value, exchange: exchange() };
    } catch (e) {
      // The abort itself ends the checks; any other failure is an observation (the cleanup's calls too).
      if (this.options.signal?.aborted && e === this.options.signal.reason) throw e;
      return { error: errorOf(e), exchange: exchange() };
    }
  }

  /** Repeats a read until `done` holds, a definitive error, or the tries run out (look-up lag). */
  async poll<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<Poll<T>> {
    const max = this.options.lookupTries ?? DEFAULT_LOOKUP_TRIES;
    const sleep = this.options.sleep ?? defaultSleep;
    for (let tries = 1; ; tries++) {
      const last = await this.step(read);
      const seen = last.value !== undefined && done(last.value);
      if (seen || tries >= max || definitive(last)) return { ...last, tries, seen };
      await sleep(this.options.lookupDelayMs ?? DEFAULT_LOOKUP_DELAY_MS, this.options.signal);
    }
  }
}

const LIST_PATH = /^\/(customers|transactions|customers\/[^/]+\/referrals)$/;

/**
 * The contract check: removes leftovers of killed runs, creates a referrer and a friend it referred, records
 * a sale of the friend, looks it up, reads balance, stats and referrals, deletes the sale, and in every case
 * deletes what it created. Then judges every assumption (assumptions.ts) on what it saw.
 */
export async function runContract(options: ContractOptions): Promise<ContractRun> {
  const now = options.now ?? Date.now;
  const progress = options.onProgress ?? (() => undefined);
  const recorder = recordingFetch(options.fetch, options.baseUrl);
  const client = createPartneroClient({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    fetch: recorder.fetch,
  });
  const stranger = createPartneroClient({
    apiKey: WRONG_KEY,
    baseUrl: options.baseUrl,
    fetch: recorder.fetch,
    maxAttempts: 1,
  });
  const calls = new Calls(recorder, options);
  const sent = planOf(runName(now()), options.lookupTries);
  const obs: Observations = { sent, customerDeletes: [], lists: [] };
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const made = { referrer: false, friend: false, transaction: false };
  const cleanup: string[] = [];

  progress('removing leftovers of earlier runs…');
  const leftovers = await removeLeftovers(
    client,
    now(),
    options.leftoverMinAgeMs ?? LEFTOVER_MIN_AGE_MS,
    call,
  );
  const exercise = async () => {
    obs.wrongKey = await calls.step(() => stranger.customers.list({ limit: 1 }, call));
    progress(`creating customers ${sent.referrer.id} and ${sent.friend.id}…`);
    made.referrer = true;
    obs.referrerCreated = await calls.step(() => client.customers.create(sent.referrer, call), 'POST');
    obs.unknownCustomer = await calls.step(() => client.customers.get(`${sent.name}-missing`, call));
    if (obs.referrerCreated.error) return;
    made.friend = true;
    obs.friendCreated = await calls.step(() => client.customers.create(sent.friend, call), 'POST');
    if (obs.friendCreated.error) return;
    obs.friendRead = await calls.step(() => client.customers.get(sent.friend.id, call));
    await exerciseTransaction(client, calls, obs, made, call, progress);
    obs.balance = await calls.step(() => client.customers.balance(sent.referrer.id, call));
    obs.stats = await calls.step(() => client.customers.stats(sent.referrer.id, call));
    obs.referrals = await calls.poll(
      () => client.customers.referrals(sent.referrer.id, { limit: 250 }, call),
      (page) => page.data.some((c) => c.id === sent.friend.id || c.key === sent.friend.key),
    );
    await deleteTransaction(client, calls, obs, made, call, progress);
  };
  let interrupted = false;
  try {
    await exercise();
  } catch (e) {
    if (!options.signal?.aborted) throw e;
    interrupted = true;
  } finally {
    progress('deleting what it created…');
    await cleanUp(client, calls, obs, made, cleanup);
  }
  return finish();

  function finish(): ContractRun {
    obs.lists = recorder.log.filter((e) => e.method === 'GET' && LIST_PATH.test(e.path));
    const results = ASSUMPTIONS.map((a) => ({ name: a.name, source: a.source, ...a.check(obs) }));
    return { name: sent.name, results, leftovers, cleanup, interrupted };
  }
}

type Made = { referrer: boolean; friend: boolean; transaction: boolean };

async function exerciseTransaction(
  client: PartneroClient,
  calls: Calls,
  obs: Observations,
  made: Made,
  call: CallOptions,
  progress: (line: string) => void,
) {
  const { transaction } = obs.sent;
  progress(`recording transaction ${transaction.key} and looking it up…`);
  made.transaction = true;
  obs.transactionCreated = await calls.step(() => client.transactions.create(transaction, call));
  if (obs.transactionCreated.error) return;
  obs.lookup = await calls.poll(
    () => client.transactions.list({ key: transaction.key, limit: 250 }, call),
    (page) => page.data.some((t) => t.key === transaction.key),
  );
}

async function deleteTransaction(
  client: PartneroClient,
  calls: Calls,
  obs: Observations,
  made: Made,
  call: CallOptions,
  progress: (line: string) => void,
) {
  const { key } = obs.sent.transaction;
  if (!made.transaction || obs.transactionCreated?.error) return;
  progress(`deleting transaction ${key}…`);
  obs.transactionDeleted = await calls.step(() => client.transactions.delete(key, call));
  if (obs.transactionDeleted.error) return;
  made.transaction = false;
  obs.afterDelete = await calls.poll(
    () => client.transactions.list({ key, limit: 250 }, call),
    (page) => !page.data.some((t) => t.key === key),
  );
}

/** How the cleanup's delete went, in one line. */
function deleted(what: string, step: Step<unknown>, ifFailed: string): string {
  if (!step.error) return `deleted ${what}`;
  if (step.error.code === 'not_found') return `${what} was not there to delete (404)`;
  return `could not delete ${what} (${failureOf(step)}): ${ifFailed}`;
}

/** Deletes what the run made (a write whose outcome is unknown included); never throws. */
async function cleanUp(client: PartneroClient, calls: Calls, obs: Observations, made: Made, lines: string[]) {
  const { sent } = obs;
  if (made.transaction) {
    const step = await calls.step(() => client.transactions.delete(sent.transaction.key));
    lines.push(deleted(`transaction ${sent.transaction.key}`, step, 'delete it in Partnero'));
  }
  const customers = [
    { role: 'friend' as const, made: made.friend, created: obs.friendCreated, id: sent.friend.id },
    { role: 'referrer' as const, made: made.referrer, created: obs.referrerCreated, id: sent.referrer.id },
  ];
  for (const { role, made: tried, created, id } of customers) {
    if (!tried) continue;
    const step = await calls.step(() => client.customers.delete(id));
    if (created && !created.error) {
      const after = await calls.step(() => client.customers.get(id));
      obs.customerDeletes.push({ role, step, after });
    }
    lines.push(deleted(`customer ${id}`, step, 'the next run removes it, or delete it in Partnero'));
  }
}
