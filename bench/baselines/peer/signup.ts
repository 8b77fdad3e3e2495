/**
 * Peer — the seed-guide way: an Express app (cookie-parser + express.json()) wrapped for Lambda with
 * serverless-http. The referrer comes from `req.cookies.partnero_referral`, as the guide reads it.
 */
import cookieParser from 'cookie-parser';
import express from 'express';
import serverless from 'serverless-http';
import { partnero } from '#bench/baselines/partnero.js';
import { claimsOf } from './claims.js';

const app = express();
app.use(cookieParser());
app.use(express.json());

app.post('/referrals/signup', async (req, res) => {
  const claims = claimsOf(req);
  const referralKey: string | undefined = req.cookies.partnero_referral;
  const sub = claims.sub as string;
  const customer = {
    key: sub,
    id: sub,
    email: claims.email ?? req.body?.email,
    name: claims.given_name ?? req.body?.name,
    ...(referralKey && referralKey !== sub ? { referring_customer: { key: referralKey } } : {}),
  };
  let answer = await partnero('POST', '/customers', customer);
  let status = 201;
  if (answer.status === 422) {
    answer = await partnero('GET', `/customers/${encodeURIComponent(sub)}`);
    status = 200;
  }
  if (answer.status >= 300) {
    res.status(502).json({ error: 'Partnero request failed' });
    return;
  }
  res.clearCookie('partnero_referral');
  res.status(status).json({
    customer: { key: answer.body.data.key, referral_link: answer.body.data.referral_link },
  });
});

export const handler = serverless(app);
