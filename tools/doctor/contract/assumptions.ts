import type { Customer } from '#shared/partnero/index.js';
import { isObj, STAT_NAMES, toCustomerRef, toPage } from '#shared/partnero/shapes.js';
import type { Observations, Poll, Step } from './observations.js';
import type { Exchange } from './recorder.js';
import { answerOf, failureOf, fieldsOf, formOf, is2xx, namedBy, payloadOf, rowsOf } from './shapes.js';

/**
 * Every assumption the Partnero client (shared/partnero/) makes about Partnero's answers, as
 * `npm run doctor -- --contract` checks it against a live program. Each says what is assumed, whether
 * Partnero publishes it or it is our reading of what Partnero leaves open, and how the run's
 * observations prove or refute it. `--contract --list` prints this list; docs/doctor.md quotes it.
 */

export type Source = 'published' | 'our reading';

export interface Verdict {
  status: 'pass' | 'fail' | 'skip';
  /** What the run saw: the field names and forms Partnero used. */
  saw: string;
}

export interface Assumption {
  name: string;
  assumes: string;
  source: Source;
  /** Where Partnero publishes it, or what our reading rests on. */
  basis: string;
  check(obs: Observations): Verdict;
}

const pass = (saw: string): Verdict => ({ status: 'pass', saw });
const fail = (saw: string): Verdict => ({ status: 'fail', saw });
const notReached = (what: string): Verdict => ({ status: 'skip', saw: `not checked: ${what} did not run` });

const triesOf = (poll: Poll<unknown>, max: number) =>
  `${poll.tries} ${poll.tries === 1 ? 'try' : 'tries'} of ${max}`;

/** The customer objects the run read back, with the customer each one should be. */
function customerAnswers(obs: Observations): { what: string; raw: unknown; sentId: string }[] {
  const { referrer, friend } = obs.sent;
  const answers: { what: string; raw: unknown; sentId: string }[] = [];
  const add = (what: string, step: Step<unknown> | undefined, sentId: string) => {
    const raw = payloadOf(step?.exchange);
    if (is2xx(step?.exchange) && raw !== undefined) answers.push({ what, raw, sentId });
  };
  add('referrer create', obs.referrerCreated, referrer.id);
  add('friend create', obs.friendCreated, friend.id);
  add('friend get', obs.friendRead, friend.id);
  for (const row of rowsOf(obs.referrals?.exchange))
    answers.push({ what: 'referrals row', raw: row, sentId: friend.id });
  return answers;
}

function createVerdict(obs: Observations): Verdict {
  const steps = [
    ['referrer', obs.referrerCreated],
    ['friend', obs.friendCreated],
  ] as const;
  if (!obs.referrerCreated) return notReached('the customer create');
  const parts = steps.map(([role, step]) => {
    if (!step) return `${role}: not created`;
    if (step.error || !is2xx(step.exchange)) return `${role}: ${failureOf(step)}`;
    const data = payloadOf(step.exchange);
    return isObj(data)
      ? `${role}: HTTP ${step.exchange?.status} with fields ${fieldsOf(data).join(', ')}`
      : `${role}: ${answerOf(step.exchange)}, no customer in it (read back with GET)`;
  });
  const ok = steps.every(([, step]) => step && !step.error && is2xx(step.exchange));
  // The same fields twice are said once.
  const [first, second] = parts.map((p) => p.replace(/^\w+: /, ''));
  const saw = first === second ? `referrer and friend: ${first}` : parts.join('; ');
  return ok ? pass(saw) : fail(saw);
}

function identityVerdict(obs: Observations): Verdict {
  const answers = customerAnswers(obs);
  if (answers.length === 0) return notReached('a customer read');
  const withId = answers.filter((a) => isObj(a.raw) && a.raw.id !== undefined && a.raw.id !== null);
  const withKey = answers.filter((a) => isObj(a.raw) && a.raw.key !== undefined && a.raw.key !== null);
  const nameless = answers.filter((a) => !withId.includes(a) && !withKey.includes(a));
  const otherId = withId.filter((a) => isObj(a.raw) && String(a.raw.id) !== a.sentId);
  const counts = `id in ${withId.length} of ${answers.length} customer objects, key in ${withKey.length}${
    withKey.length === 0 ? ' (as published: no key)' : ''
  }`;
  if (nameless.length > 0) {
    const fields = fieldsOf(nameless[0]?.raw).join(', ') || formOf(nameless[0]?.raw);
    return fail(
      `${counts}; the ${nameless[0]?.what} answer names the customer by neither (fields: ${fields})`,
    );
  }
  if (otherId.length > 0) return fail(`${counts}; the ${otherId[0]?.what} answer's id is not the id sent`);
  return pass(withId.length > 0 ? `${counts}; every id is the one sent` : counts);
}

function getVerdict(obs: Observations): Verdict {
  const step = obs.friendRead;
  if (!step) return notReached('the customer read');
  const { friend } = obs.sent;
  if (step.error) return fail(`GET /customers/{id} of the friend: ${failureOf(step)}`);
  const found = step.value?.id === friend.id || step.value?.key === friend.key;
  return found
    ? pass(`GET /customers/{id} by the id sent → ${answerOf(step.exchange)}`)
    : fail(
        `GET /customers/{id} by the id sent answered another customer (${formOf(payloadOf(step.exchange))})`,
      );
}

function linkVerdict(obs: Observations): Verdict {
  const checks: [string, Customer | undefined, { id: string; key: string }][] = [
    ['referrer', obs.referrerCreated?.value, obs.sent.referrer],
    ['friend', obs.friendRead?.value ?? obs.friendCreated?.value, obs.sent.friend],
  ];
  if (!obs.referrerCreated?.value) return notReached('the customer create');
  const seen: string[] = [];
  for (const [role, customer, sent] of checks) {
    if (!customer) continue;
    const link = customer.referral_link;
    if (!link)
      return fail(
        `the ${role} has no referral_link as the client reads it (referral_links: ${customer.referral_links.length})`,
      );
    if (!link.includes(sent.key)) return fail(`the ${role}'s referral_link does not carry the key sent`);
    if (link.includes(sent.id)) return fail(`the ${role}'s referral_link carries its private id`);
    seen.push(role);
  }
  const raw = payloadOf(obs.friendRead?.exchange ?? obs.referrerCreated?.exchange);
  const forms = isObj(raw)
    ? `referral_link ${formOf(raw.referral_link)}, referral_links ${formOf(raw.referral_links)}`
    : '';
  return pass(
    `${seen.join(' and ')}: the link carries the key sent, not the id${forms ? ` (${forms})` : ''}`,
  );
}

function referringVerdict(obs: Observations): Verdict {
  const step = obs.friendRead?.value ? obs.friendRead : obs.friendCreated;
  if (!step?.exchange) return notReached('the friend create');
  const raw = payloadOf(step.exchange);
  const field = isObj(raw) ? raw.referring_customer : undefined;
  const by = namedBy(toCustomerRef(field), obs.sent.referrer);
  const form = typeof field === 'string' ? 'a string' : `an object ${formOf(field)}`;
  if (field === undefined || field === null)
    return fail(`referring_customer is ${formOf(field)} on the referred friend`);
  return by
    ? pass(`${form} carrying the referrer's ${by}`)
    : fail(`${form} that names the referrer by none of its id, key or email`);
}

function unknownVerdict(obs: Observations): Verdict {
  const step = obs.unknownCustomer;
  if (!step) return notReached('the unknown-customer read');
  return step.error?.code === 'not_found'
    ? pass(`GET /customers/{id} of an id never created → ${answerOf(step.exchange)}`)
    : fail(`expected 404, got ${step.error ? failureOf(step) : answerOf(step.exchange)}`);
}

function wrongKeyVerdict(obs: Observations): Verdict {
  const step = obs.wrongKey;
  if (!step) return notReached('the wrong-key read');
  return step.error?.code === 'unauthorized'
    ? pass(`GET /customers with a made-up key → ${answerOf(step.exchange)}`)
    : fail(`expected 401, got ${step.error ? failureOf(step) : answerOf(step.exchange)}`);
}

function transactionCreateVerdict(obs: Observations): Verdict {
  const step = obs.transactionCreated;
  if (!step) return notReached('the transaction create');
  if (step.error || !is2xx(step.exchange)) return fail(`POST /transactions: ${failureOf(step)}`);
  const data = payloadOf(step.exchange);
  return pass(
    isObj(data)
      ? `HTTP ${step.exchange?.status} with fields ${fieldsOf(data).join(', ')}`
      : `${answerOf(step.exchange)}: no transaction in it (a 2xx is applied whatever the body)`,
  );
}

/** The raw row of the listed transaction, for its forms. */
const listedRow = (obs: Observations) =>
  rowsOf(obs.lookup?.exchange).find((r) => isObj(r) && String(r.key) === obs.sent.transaction.key);

function partyForm(raw: unknown, by: string | null): string {
  const form = typeof raw === 'string' ? 'string' : formOf(raw);
  return by ? `${form} (the ${by})` : form;
}

function transactionFieldsVerdict(obs: Observations): Verdict {
  const listed = obs.lookup?.value?.data.find((t) => t.key === obs.sent.transaction.key);
  const created = obs.transactionCreated?.value;
  const transaction = listed ?? created;
  if (!transaction) return notReached('a transaction read (create answer or look-up)');
  const { referrer, friend, transaction: sent } = obs.sent;
  const raw = listedRow(obs) ?? payloadOf(obs.transactionCreated?.exchange);
  const rawObj = isObj(raw) ? raw : {};
  const referrerBy = namedBy(transaction.customer, referrer);
  const buyerBy = namedBy(transaction.referred_customer, friend);
  const saw = [
    `customer: ${partyForm(rawObj.customer, referrerBy && `referrer's ${referrerBy}`)}`,
    `referred_customer: ${partyForm(rawObj.referred_customer, buyerBy && `friend's ${buyerBy}`)}`,
    `credit: ${formOf(rawObj.credit)}`,
    `amount: ${formOf(rawObj.amount)}`,
    `rewards: ${formOf(rawObj.rewards)}`,
    `read from the ${listed ? 'look-up' : 'create answer'}`,
  ].join('; ');
  if (!referrerBy) return fail(`customer does not name the referrer; ${saw}`);
  if (!buyerBy) return fail(`referred_customer does not name the friend; ${saw}`);
  if (transaction.amount !== sent.amount) return fail(`amount is not the ${sent.amount} sent; ${saw}`);
  return pass(saw);
}

function lookupVerdict(obs: Observations): Verdict {
  const poll = obs.lookup;
  if (!poll) return notReached('the look-up');
  const max = obs.sent.lookupTries;
  if (!poll.seen) return fail(`not found after ${triesOf(poll, max)}: ${failureOf(poll)}`);
  const rows = poll.value?.data ?? [];
  const others = rows.filter((t) => t.key !== obs.sent.transaction.key).length;
  if (others > 0)
    return fail(`found, but with ${others} transaction(s) of other keys: the key filter is ignored`);
  return pass(`found after ${triesOf(poll, max)}; ${rows.length} row(s), all with the key`);
}

function envelopeOf(exchange: Exchange): string {
  const body = exchange.body;
  if (Array.isArray(body)) return 'a bare array (no paging)';
  if (!isObj(body)) return formOf(body);
  const part = (name: string) =>
    name in body ? `${name}${formOf(body[name]).replace(/^\[.*\]$/, '[]')}` : '';
  return ['data', 'links', 'meta'].map(part).filter(Boolean).join(', ') || formOf(body);
}

function listVerdict(obs: Observations): Verdict {
  const lists = obs.lists.filter((e) => is2xx(e));
  if (lists.length === 0) return notReached('a list');
  const unreadable = lists.filter((e) => {
    try {
      toPage(e.body, (x) => x);
      return false;
    } catch {
      return true;
    }
  });
  const forms = [...new Set(lists.map(envelopeOf))].join(' | ');
  return unreadable.length === 0
    ? pass(`${lists.length} list answers: ${forms}`)
    : fail(`${unreadable.length} of ${lists.length} list answers are no list the client reads: ${forms}`);
}

function balanceVerdict(obs: Observations): Verdict {
  const step = obs.balance;
  if (!step) return notReached('the balance read');
  const raw = payloadOf(step.exchange);
  const inner = isObj(raw) && 'balance' in raw ? raw.balance : raw;
  const form = isObj(raw) && 'balance' in raw ? `balance ${formOf(inner)}` : formOf(inner);
  const items = isObj(inner)
    ? Object.values(inner).filter(Array.isArray).flat()
    : Array.isArray(inner)
      ? inner
      : [];
  const unitForm = items.length > 0 ? `, units ${formOf(items)}` : '';
  if (step.error || !step.value) return fail(`${failureOf(step)}; the answer: ${form}${unitForm}`);
  const units = step.value.units.map((u) => `${u.amount} ${u.unit ?? '(no unit)'}`).join(', ') || 'none yet';
  return pass(`${form}${unitForm}; the referrer holds ${units}`);
}

function statsVerdict(obs: Observations): Verdict {
  const step = obs.stats;
  if (!step) return notReached('the stats read');
  if (step.error || !step.value) return fail(`${failureOf(step)}`);
  const raw = payloadOf(step.exchange);
  const rawObj = isObj(raw) ? raw : {};
  const matched = (Object.keys(STAT_NAMES) as (keyof typeof STAT_NAMES)[]).map((stat) => {
    const name = STAT_NAMES[stat].find((n) => rawObj[n] !== undefined && step.value?.[stat] !== null);
    return { stat, name };
  });
  const names = `Partnero's names: ${step.value.fields.join(', ') || 'none'}`;
  const reading = matched.map((m) => `${m.stat} ← ${m.name ?? 'none'}`).join(', ');
  const missing = matched.filter((m) => !m.name && (m.stat === 'clicks' || m.stat === 'referrals'));
  return missing.length === 0
    ? pass(`${names}; read as ${reading}`)
    : fail(`${names}; no name the client knows for ${missing.map((m) => m.stat).join(' and ')} (${reading})`);
}

function referralsVerdict(obs: Observations): Verdict {
  const poll = obs.referrals;
  if (!poll) return notReached('the referrals read');
  const max = obs.sent.lookupTries;
  return poll.seen
    ? pass(`the friend is listed (after ${triesOf(poll, max)}); ${poll.value?.data.length ?? 0} row(s)`)
    : fail(`the friend is not listed after ${triesOf(poll, max)}: ${failureOf(poll)}`);
}

function deleteVerdict(obs: Observations): Verdict {
  const step = obs.transactionDeleted;
  if (!step) return notReached('the transaction delete');
  if (step.error) return fail(`DELETE /transactions/{key}: ${failureOf(step)}`);
  const answer = answerOf(step.exchange);
  const after = obs.afterDelete;
  if (!after) return fail(`${answer}, but the look-up after it did not run`);
  const max = obs.sent.lookupTries;
  return after.seen
    ? pass(`${answer}; gone from GET /transactions?key= after ${triesOf(after, max)}`)
    : fail(`${answer}, but still listed after ${triesOf(after, max)}: ${failureOf(after)}`);
}

function customerDeleteVerdict(obs: Observations): Verdict {
  if (obs.customerDeletes.length === 0) return notReached('the customer delete');
  const parts: string[] = [];
  let ok = true;
  for (const { role, step, after } of obs.customerDeletes) {
    if (step.error) {
      ok = false;
      parts.push(`${role}: ${failureOf(step)}`);
      continue;
    }
    const gone = after?.error?.code === 'not_found' || after?.value?.status === 'deleted';
    ok &&= gone;
    const then = after?.error ? failureOf(after) : `status ${after?.value?.status ?? 'absent'}`;
    parts.push(
      `${role}: ${answerOf(step.exchange)}, then GET → ${gone ? (after?.error ? '404' : 'status deleted') : then}`,
    );
  }
  return ok ? pass(parts.join('; ')) : fail(parts.join('; '));
}

export const ASSUMPTIONS: readonly Assumption[] = [
  {
    name: 'wrong key',
    assumes:
      'A request with an API key Partnero does not know is answered 401 (the client reports a wrong key, it does not retry it as an outage).',
    source: 'published',
    basis: 'API basics: invalid or missing key → 401',
    check: wrongKeyVerdict,
  },
  {
    name: 'customer create',
    assumes:
      'POST /customers with id, key, email, name and referring_customer.id answers 2xx; a 2xx is a created customer, whatever the body.',
    source: 'published',
    basis: 'refer-a-friend API guide; docs.partnero.com refer-a-friend customers',
    check: createVerdict,
  },
  {
    name: 'customer identity',
    assumes:
      "A customer object names the customer by `id`, the private id sent (Partnero's example carries no `key`; the client reads a `key` too, and needs one of the two).",
    source: 'published',
    basis:
      'developers.partnero.com referral customers (id private, key public); the customer object example has no key',
    check: identityVerdict,
  },
  {
    name: 'customer read',
    assumes: 'GET /customers/{id} with the private id sent at create answers that customer.',
    source: 'published',
    basis: 'docs.partnero.com refer-a-friend customers: GET /customers/{id}',
    check: getVerdict,
  },
  {
    name: 'referral link',
    assumes:
      '`referral_link` carries the public key sent (e.g. `?ref=<key>`) and not the private id; links come as strings (objects are read too).',
    source: 'published',
    basis:
      'customer object example (`referral_link`, `referral_links` as strings); key is the identifier in the referral URL',
    check: linkVerdict,
  },
  {
    name: 'referring customer',
    assumes:
      "A referred customer's `referring_customer` names its referrer by id, key or email, as an object or a bare string.",
    source: 'our reading',
    basis: '`referring_customer` is published as an object or null; its fields are not published',
    check: referringVerdict,
  },
  {
    name: 'unknown customer',
    assumes:
      'GET /customers/{id} of an id that does not exist answers 404 (the dashboard reads it as "not enrolled").',
    source: 'published',
    basis: 'docs.partnero.com refer-a-friend customers: unknown → 404',
    check: unknownVerdict,
  },
  {
    name: 'transaction create',
    assumes:
      'POST /transactions naming a referred customer by customer.id, with key, amount, action and amount_units, answers 2xx; a 2xx is recorded, whatever the body.',
    source: 'published',
    basis: 'docs.partnero.com refer-a-friend transactions (create, single shape)',
    check: transactionCreateVerdict,
  },
  {
    name: 'transaction fields',
    assumes:
      'A transaction carries the key and amount sent, `customer` naming the referrer and `referred_customer` the buyer (identifier strings; objects are read too), `credit` a boolean.',
    source: 'published',
    basis: 'docs.partnero.com refer-a-friend transactions, response field table',
    check: transactionFieldsVerdict,
  },
  {
    name: 'transaction look-up',
    assumes:
      'GET /transactions?key= finds a new transaction, allowing for look-up lag, and lists only transactions with that key (the exactly-once recovery depends on it).',
    source: 'published',
    basis: 'GET /transactions?customer.key=&key= (list); the lag allowance is ours',
    check: lookupVerdict,
  },
  {
    name: 'list envelope',
    assumes: 'Lists answer {data: [...], links, meta} (a bare array is read too, as one page).',
    source: 'published',
    basis:
      'lists: data, links {first, last, prev, next}, meta {current_page, from, last_page, per_page, to, total}',
    check: listVerdict,
  },
  {
    name: 'balance',
    assumes:
      'GET /customers/{id}/balance answers the balance as a list of units {amount, amount_units, is_currency} (other forms are read too).',
    source: 'published',
    basis: 'developers.partnero.com referral transactions, "Get balance of a customer": balance.currency[]',
    check: balanceVerdict,
  },
  {
    name: 'stats',
    assumes:
      'GET /customers/{id}/stats holds a click count and a referral count under names the client knows (shapes.ts STAT_NAMES).',
    source: 'our reading',
    basis: 'Partnero publishes "click counts, referral counts, and social sharing links", no field names',
    check: statsVerdict,
  },
  {
    name: 'referrals',
    assumes:
      'GET /customers/{id}/referrals lists the customers created with referring_customer.id of that customer.',
    source: 'published',
    basis: 'referrals: a paginated list of customer objects; referring_customer.id attributes',
    check: referralsVerdict,
  },
  {
    name: 'transaction delete',
    assumes:
      'DELETE /transactions/{key} answers 2xx (published: 200 {"status": 1}; 204 is read too) and the key is gone from the look-up afterwards.',
    source: 'published',
    basis: 'docs.partnero.com transactions delete',
    check: deleteVerdict,
  },
  {
    name: 'customer delete',
    assumes: 'DELETE /customers/{id} answers 2xx, and the customer then reads as 404 or status "deleted".',
    source: 'published',
    basis: 'docs.partnero.com refer-a-friend customers: DELETE /customers/{id}; status active|deleted',
    check: customerDeleteVerdict,
  },
];
