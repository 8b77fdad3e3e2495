/**
 * The Partnero state every measurement starts from, seeded once through the sandbox's API and then
 * restored from a snapshot before each measured chunk (so the sandbox answers equally fast for every
 * variant, however many customers earlier runs created).
 */
import { type RunningSandbox, sandboxClient } from '#local/sandbox/index.js';

export const REFERRERS = Array.from({ length: 20 }, (_, i) => `ref-${i + 1}`);
export const BUYERS = Array.from({ length: 200 }, (_, i) => ({
  key: `buyer-${i + 1}`,
  referrer: REFERRERS[i % REFERRERS.length] as string,
}));
export const DASHBOARD_USER = 'dash-user';
export const CREDIT_USER = 'credit-user';
/** The `partnero_referral` cookie of the sign-up flow. */
export const SIGNUP_REFERRER = 'ref-1';

export interface Fixture {
  /** Back to the seeded state; the request counters start again at 0. */
  restore(): void;
  /** Partnero API requests since the last restore. */
  partneroRequests(): number;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  control(method: string, path: string, body?: unknown): Promise<unknown>;
}

export async function seedFixture(sandbox: RunningSandbox): Promise<Fixture> {
  const { api, control } = sandboxClient(sandbox);
  const must = async (method: string, path: string, body?: unknown) => {
    const res = await api(method, path, body);
    if (res.status >= 300)
      throw new Error(`seeding ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  };

  await control('POST', '/reset');
  const customer = (key: string, extra: Record<string, unknown> = {}) =>
    must('POST', '/customers', { key, id: key, email: `${key}@example.com`, name: key, ...extra });
  for (const key of [...REFERRERS, DASHBOARD_USER, CREDIT_USER]) await customer(key);
  for (const buyer of BUYERS) await customer(buyer.key, { referring_customer: { key: buyer.referrer } });
  // The dashboard shows a page of referred friends, some of whom bought.
  for (let i = 1; i <= 12; i++) {
    await customer(`friend-${i}`, { name: `Friend ${i}`, referring_customer: { key: DASHBOARD_USER } });
    if (i <= 5) {
      await must('POST', '/transactions', {
        customer: { key: `friend-${i}` },
        key: `friend-order-${i}`,
        amount: 40 + i,
        action: 'sale',
        amount_units: 'usd',
      });
    }
  }
  const snapshot = structuredClone(sandbox.store.state);
  return {
    restore() {
      sandbox.store.state = structuredClone(snapshot);
      sandbox.store.resetRequests();
    },
    partneroRequests: () => sandbox.store.requests.total,
    api,
    control,
  };
}
