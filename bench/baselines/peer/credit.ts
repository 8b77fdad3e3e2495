/**
 * Peer — POST /customers/{id}/credit as an Express route. The guide has no idempotency: a retried
 * request credits twice. This peer therefore does less work than the project (no DynamoDB).
 */
import cookieParser from 'cookie-parser';
import express from 'express';
import serverless from 'serverless-http';
import { partnero } from '#bench/baselines/partnero.js';

const app = express();
app.use(cookieParser());
app.use(express.json());

app.post('/customers/:id/credit', async (req, res) => {
  const { amount, currency, is_currency } = req.body;
  const answer = await partnero('POST', `/customers/${encodeURIComponent(req.params.id)}/balance/credit`, {
    amount,
    amount_units: String(currency).toLowerCase(),
    is_currency,
  });
  if (answer.status >= 300) {
    res.status(502).json({ error: 'Partnero request failed' });
    return;
  }
  res.status(201).json({ customer_id: req.params.id, balance: answer.body.data });
});

export const handler = serverless(app);
