/** Peer — GET /referrals/me as an Express route: `Promise.all` over customer, stats, balance, referrals. */
import cookieParser from 'cookie-parser';
import express from 'express';
import serverless from 'serverless-http';
import { partnero } from '#bench/baselines/partnero.js';
import { claimsOf } from './claims.js';

const app = express();
app.use(cookieParser());
app.use(express.json());

app.get('/referrals/me', async (req, res) => {
  const key = encodeURIComponent(claimsOf(req).sub as string);
  const [customer, stats, balance, referrals] = await Promise.all([
    partnero('GET', `/customers/${key}`),
    partnero('GET', `/customers/${key}/stats`),
    partnero('GET', `/customers/${key}/balance`),
    partnero('GET', `/customers/${key}/referrals?page=${Number(req.query.page ?? 1)}&limit=20`),
  ]);
  if (customer.status >= 300) {
    res.status(customer.status === 404 ? 404 : 502).json({ error: 'Partnero request failed' });
    return;
  }
  res.json({
    customer: customer.body.data,
    stats: stats.body.data,
    balance: balance.body.data,
    referrals: referrals.body.data,
  });
});

export const handler = serverless(app);
