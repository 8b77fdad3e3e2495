import { int, number, object } from './config-fields.js';

/**
 * `partneroBudget` in the deployment configuration (infra/config.ts): Partnero's rate limit as one
 * budget every function shares (shared/quota), and the dashboard cache.
 *
 *   callsPerSecond (20; 1–10000)          Partnero calls per second for the whole stack. Partnero publishes no
 *                                         number: set it below what your plan allows (a 429 halves it for a while)
 *   moneyShare (0.5; 0–0.95)              share of each second reserved for orders, transactions, refunds, the
 *                                         reconciler and credits; the customer routes never use more than the rest
 *   customerCallsPerMinute (60; 0–100000) Partnero calls one account may cause per minute on the customer routes
 *                                         (a dashboard is 4, a sign-up 2–4); beyond it, 429 with Retry-After. 0: none
 *   dashboardCacheSeconds (30; 0–3600)    how long GET /referrals/me serves a page from the cache; 0: no cache
 */
export const partneroBudget = object({
  callsPerSecond: int(1, 10_000).default(20),
  moneyShare: number()
    .refine((v) => v >= 0 && v <= 0.95, { error: 'must be from 0 to 0.95' })
    .default(0.5),
  customerCallsPerMinute: int(0, 100_000).default(60),
  dashboardCacheSeconds: int(0, 3600).default(30),
}).prefault({});
