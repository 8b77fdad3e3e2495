import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  createPartneroLimiter,
  type LimitedCall,
  MIN_FACTOR,
  QuotaRefusal,
  type QuotaSettings,
  RECOVERY_STEP_MS,
} from '#shared/quota/limiter.js';
import { dynamoQuotaStore, type QuotaPool } from '#shared/quota/store.js';
import { type LocalDynamo, startLocalDynamo, TEST_TABLES } from '#test/support/local-dynamo.js';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());
beforeEach(() => dynamo.reset());

/**
 * A minute boundary an hour from now: the local DynamoDB, like DynamoDB, hides items whose TTL has
 * passed by its own clock, so the fake clock starts after the real one.
 */
const T0 = (Math.floor(Date.now() / 60_000) + 60) * 60_000;

/** A clock that only moves when told (or when a waiting money call sleeps). */
function fakeClock(start = T0) {
  const clock = {
    t: start,
    slept: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

const SETTINGS: QuotaSettings = { callsPerSecond: 10, moneyShare: 0.5, customerCallsPerMinute: 6 };

function limiters(clock: ReturnType<typeof fakeClock>, settings: Partial<QuotaSettings> = {}) {
  const store = dynamoQuotaStore(dynamo.client(), TEST_TABLES.quota);
  const make = (pool: QuotaPool) =>
    createPartneroLimiter({
      ...SETTINGS,
      ...settings,
      pool,
      store,
      clock,
      onStoreError: (e) => {
        throw e;
      },
    });
  // Two containers per pool: the budget is the table's, not a container's.
  return {
    money: { a: make('money'), b: make('money') },
    customer: { a: make('customer'), b: make('customer') },
  };
}

const get = (account?: string, deadline?: number): LimitedCall => ({
  method: 'GET',
  path: '/customers/x',
  ...(account ? { account } : {}),
  ...(deadline ? { deadline } : {}),
});

async function outcome(p: Promise<void>): Promise<'sent' | QuotaRefusal> {
  try {
    await p;
    return 'sent';
  } catch (e) {
    if (e instanceof QuotaRefusal) return e;
    throw e;
  }
}

describe('the shared Partnero budget', () => {
  it('admits the configured total per second across containers, then refuses customers at once', async () => {
    const clock = fakeClock();
    const { money, customer } = limiters(clock, { customerCallsPerMinute: 0 });
    // Customers take their cap: total 10 × (1 − 0.5) = 5, whichever container asks.
    const customerResults = [];
    for (let i = 0; i < 7; i++)
      customerResults.push(await outcome((i % 2 ? customer.b : customer.a).acquire(get())));
    expect(customerResults.filter((r) => r === 'sent')).toHaveLength(5);
    const refused = customerResults.find((r) => r !== 'sent') as QuotaRefusal;
    expect(refused).toMatchObject({ code: 'rate_limited', retryable: true, scope: 'customers' });
    expect(refused.retryAfterSeconds).toBe(1);
    // The money path keeps its reserved share and may use the rest of the second.
    for (let i = 0; i < 5; i++)
      expect(await outcome((i % 2 ? money.b : money.a).acquire(get()))).toBe('sent');
    expect(clock.slept).toEqual([]);
  });

  it('never lets customers take the money path’s reserved share, even when money is idle', async () => {
    const clock = fakeClock();
    const { money, customer } = limiters(clock, { customerCallsPerMinute: 0 });
    let sent = 0;
    for (let i = 0; i < 20; i++) if ((await outcome(customer.a.acquire(get()))) === 'sent') sent++;
    expect(sent).toBe(5);
    for (let i = 0; i < 5; i++) expect(await outcome(money.b.acquire(get()))).toBe('sent');
  });

  it('makes a money call that finds the second full wait for the next one, up to its deadline', async () => {
    const clock = fakeClock(T0 + 250);
    const { money } = limiters(clock);
    for (let i = 0; i < 10; i++) await money.a.acquire(get());
    await money.b.acquire(get(undefined, clock.t + 5000));
    expect(clock.slept).toEqual([750]);
    // Without time before its deadline, it is refused (never sent): rate_limited, retryable.
    for (let i = 0; i < 9; i++) await money.a.acquire(get());
    const refused = await outcome(money.a.acquire(get(undefined, clock.t + 500)));
    expect(refused).toMatchObject({ code: 'rate_limited', scope: 'money', retryable: true });
  });

  it('limits each account per minute, without touching the others or the shared window', async () => {
    const clock = fakeClock(T0 + 15_000);
    const { customer } = limiters(clock, { callsPerSecond: 100 });
    for (let i = 0; i < 6; i++) {
      expect(await outcome((i % 2 ? customer.b : customer.a).acquire(get('mallory')))).toBe('sent');
      clock.t += 1000;
    }
    const refused = (await outcome(customer.a.acquire(get('mallory')))) as QuotaRefusal;
    expect(refused.scope).toBe('account');
    // Until the next minute: 60 s − 21 s.
    expect(refused.retryAfterSeconds).toBe(39);
    // The same container refuses again without a write; the other one by the table.
    expect((await outcome(customer.a.acquire(get('mallory')))) as QuotaRefusal).toMatchObject({
      scope: 'account',
    });
    expect((await outcome(customer.b.acquire(get('mallory')))) as QuotaRefusal).toMatchObject({
      scope: 'account',
    });
    expect(await outcome(customer.b.acquire(get('alice')))).toBe('sent');
    // Refusals took nothing from the shared window of this second: only alice's call is counted.
    const window = dynamo.db
      .table(TEST_TABLES.quota)
      .get({ id: { S: `quota#${Math.floor(clock.t / 1000)}` } });
    expect(window?.total).toEqual({ N: '1' });
    // A new minute, a new allowance.
    clock.t += 39_000;
    expect(await outcome(customer.a.acquire(get('mallory')))).toBe('sent');
  });

  it('pauses every container for Retry-After on a 429, halves the total, and recovers ×2 per 10 s', async () => {
    const clock = fakeClock(T0);
    const { money, customer } = limiters(clock, { customerCallsPerMinute: 0 });
    await money.a.onRateLimited(3000);
    // The other containers see it within a second (their copy of the record is at most a second old).
    clock.t += 1000;
    const paused = (await outcome(customer.b.acquire(get()))) as QuotaRefusal;
    expect(paused).toMatchObject({ scope: 'paused', retryAfterSeconds: 2 });
    // A money call waits out the pause.
    await money.b.acquire(get(undefined, clock.t + 10_000));
    expect(clock.slept).toEqual([2000]);
    // Now at half the total: 5 per second, of which customers 2.
    clock.t = T0 + 4000;
    const sentThisSecond = async (pool: 'money' | 'customer', tries: number) => {
      let sent = 0;
      for (let i = 0; i < tries; i++) {
        if ((await outcome(limiters(clock, { customerCallsPerMinute: 0 })[pool].a.acquire(get()))) === 'sent')
          sent++;
      }
      return sent;
    };
    expect(await sentThisSecond('customer', 5)).toBe(2);
    clock.t = T0 + RECOVERY_STEP_MS + 1000;
    expect(await sentThisSecond('customer', 8)).toBe(5);
  });

  it('halves once per overload, not once per container, and never below the floor', async () => {
    const clock = fakeClock(T0);
    const { money, customer } = limiters(clock);
    await money.a.onRateLimited(1000);
    await money.b.onRateLimited(2000);
    await customer.a.onRateLimited(1000);
    const record = () => dynamo.db.table(TEST_TABLES.quota).get({ id: { S: 'quota#pause' } });
    expect(record()).toMatchObject({ factor: { N: '0.5' }, until: { N: String(clock.t + 2000) } });
    for (let i = 0; i < 10; i++) {
      clock.t += 1500;
      await money.a.onRateLimited();
    }
    expect(Number(record()?.factor?.N)).toBe(MIN_FACTOR);
  });
});
