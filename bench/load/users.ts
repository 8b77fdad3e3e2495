/**
 * Users and tokens for the load test, made through the local gateway exactly as the demo page does:
 * `POST /local/login` at the local issuer for a token, then `POST /referrals/signup` with it.
 */

export interface LoadUser {
  userId: string;
  email: string;
  name: string;
  token: string;
}

export interface Referrer extends LoadUser {
  /** Their Partnero customer key: what the `partnero_referral` cookie carries. */
  key: string;
}

async function postJson(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Signs `user` in at the local issuer (`POST /local/login`) and returns its ID token. */
export async function login(apiUrl: string, user: Omit<LoadUser, 'token'>): Promise<LoadUser> {
  const res = await postJson(`${apiUrl}/local/login`, {
    user_id: user.userId,
    email: user.email,
    name: user.name,
  });
  if (res.status !== 200 || typeof res.json.token !== 'string') {
    throw new Error(`POST /local/login for ${user.userId} answered ${res.status}: ${res.text}`);
  }
  return { ...user, token: res.json.token };
}

/** `count` distinct users `<prefix>-<i>` signed in (never enrolled), `concurrency` logins at a time. */
export async function signInUsers(
  apiUrl: string,
  prefix: string,
  count: number,
  concurrency = 10,
): Promise<LoadUser[]> {
  const users: LoadUser[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const userId = `${prefix}-${i}`;
      users[i] = await login(apiUrl, { userId, email: `${userId}@example.com`, name: `Load ${i}` });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return users;
}

/** The friend everyone was invited by: signed in and enrolled (no cookie), as Alice in the demo. */
export async function enrolReferrer(apiUrl: string, prefix: string): Promise<Referrer> {
  const userId = `${prefix}-referrer`;
  const user = await login(apiUrl, { userId, email: `${userId}@example.com`, name: 'Referrer' });
  const res = await postJson(`${apiUrl}/referrals/signup`, { name: user.name }, user.token);
  const customer = res.json.customer as { key?: unknown } | undefined;
  if (res.status !== 201 || typeof customer?.key !== 'string') {
    throw new Error(`the referrer's POST /referrals/signup answered ${res.status}: ${res.text}`);
  }
  return { ...user, key: customer.key };
}
