import { HttpError, ok, type RequestCtx, type Route, type Sandbox } from './http.js';
import { paginate } from './pagination.js';
import { referralLink, renderCustomer } from './render.js';
import type { CustomerRecord, Store } from './store.js';
import { Errors, isEmail, isIsoDate, readBoolean, readNumber, readObject, readString } from './validation.js';

export interface CustomerInput {
  key?: string;
  id?: string;
  email?: string;
  name?: string | null;
  surname?: string | null;
  approved?: boolean;
  dateOfBirth?: string | null;
  customFields?: Record<string, unknown>;
  /** undefined = not given, null = explicitly none. */
  referrer?: CustomerRecord | null;
}

function readReferrer(
  store: Store,
  body: Record<string, unknown>,
  errors: Errors,
  prefix: string,
  self?: CustomerRecord,
): CustomerRecord | null | undefined {
  const field = `${prefix}referring_customer`;
  const ref = readObject(body, 'referring_customer', field, errors);
  if (!ref) return ref;
  const id = readString(ref, 'id', `${field}.id`, errors);
  const key = readString(ref, 'key', `${field}.key`, errors);
  if (errors.has(`${field}.id`) || errors.has(`${field}.key`)) return undefined;
  // Partnero: when both are given the id wins.
  const [by, value] = id ? (['id', id] as const) : key ? (['key', key] as const) : [null, null];
  if (!by) {
    errors.add(`${field}.key`, `The ${field}.key field is required when ${field}.id is not present.`);
    return undefined;
  }
  const referrer = by === 'id' ? store.byId(value) : store.byKey(value);
  if (!referrer) errors.add(`${field}.${by}`, `The selected ${field}.${by} is invalid.`);
  else if (referrer === self) errors.add(`${field}.${by}`, 'A customer cannot refer itself.');
  else return referrer;
  return undefined;
}

/** Validates the customer fields of a create/update body; `self` is the customer being updated. */
export function readCustomerInput(
  store: Store,
  body: Record<string, unknown>,
  errors: Errors,
  prefix = '',
  self?: CustomerRecord,
): CustomerInput {
  const input: CustomerInput = {};
  const unique = (field: string, found: CustomerRecord | undefined) => {
    if (found && found !== self)
      errors.add(`${prefix}${field}`, `The ${prefix}${field} has already been taken.`);
  };
  const key = readString(body, 'key', `${prefix}key`, errors);
  if (key) unique('key', store.byKey(key));
  const id = readString(body, 'id', `${prefix}id`, errors);
  if (id) unique('id', store.byId(id));
  const email = readString(body, 'email', `${prefix}email`, errors);
  if (email && !isEmail(email))
    errors.add(`${prefix}email`, `The ${prefix}email must be a valid email address.`);
  else if (email) unique('email', store.byEmail(email));
  if (key) input.key = key;
  if (id) input.id = id;
  if (email) input.email = email;

  for (const name of ['name', 'surname'] as const) {
    const value = readString(body, name, `${prefix}${name}`, errors, { nullable: true });
    if (value !== undefined) input[name] = value;
  }
  const approved = readBoolean(body, 'approved', `${prefix}approved`, errors);
  if (approved !== undefined) input.approved = approved;

  const metadata = readObject(body, 'metadata', `${prefix}metadata`, errors);
  if (metadata) {
    const field = `${prefix}metadata.date_of_birth`;
    const dob = readString(metadata, 'date_of_birth', field, errors, { nullable: true });
    if (dob && !isIsoDate(dob)) errors.add(field, `The ${field} does not match the format Y-m-d.`);
    else if (dob !== undefined) input.dateOfBirth = dob;
  }
  const customFields = readObject(body, 'custom_fields', `${prefix}custom_fields`, errors);
  if (customFields) input.customFields = customFields;

  const referrer = readReferrer(store, body, errors, prefix, self);
  if (referrer !== undefined) input.referrer = referrer;
  return input;
}

/** Stores a validated new customer and announces it. */
export function insertCustomer(sb: Sandbox, input: CustomerInput): CustomerRecord {
  const now = new Date().toISOString();
  const customer: CustomerRecord = {
    uid: sb.store.nextId('cus'),
    id: input.id ?? null,
    key: input.key ?? sb.store.generateKey(),
    email: input.email ?? null,
    name: input.name ?? null,
    surname: input.surname ?? null,
    status: 'active',
    approved: input.approved ?? true,
    referrerUid: input.referrer?.uid ?? null,
    dateOfBirth: input.dateOfBirth ?? null,
    customFields: input.customFields ?? {},
    clicks: 0,
    createdAt: now,
    updatedAt: now,
  };
  sb.store.state.customers.push(customer);
  sb.webhooks.emit('customer.created', renderCustomer(customer, sb.store, sb.config));
  return customer;
}

function mustFind(store: Store, idOrKey: string | undefined): CustomerRecord {
  const customer = idOrKey === undefined ? undefined : store.findCustomer(idOrKey);
  if (!customer) throw new HttpError(404, 'Customer not found.');
  return customer;
}

const render = (ctx: RequestCtx) => (c: CustomerRecord) => renderCustomer(c, ctx.sb.store, ctx.sb.config);

function createCustomer(ctx: RequestCtx) {
  const errors = new Errors();
  const input = readCustomerInput(ctx.sb.store, ctx.body, errors);
  errors.throwIfAny();
  return ok(render(ctx)(insertCustomer(ctx.sb, input)), 201);
}

function applyUpdate(ctx: RequestCtx, customer: CustomerRecord) {
  const errors = new Errors();
  const update = readObject(ctx.body, 'update', 'update', errors, { required: true });
  const input = update ? readCustomerInput(ctx.sb.store, update, errors, '', customer) : {};
  errors.throwIfAny();
  if (input.key !== undefined) customer.key = input.key;
  if (input.id !== undefined) customer.id = input.id;
  if (input.email !== undefined) customer.email = input.email;
  if (input.name !== undefined) customer.name = input.name;
  if (input.surname !== undefined) customer.surname = input.surname;
  if (input.approved !== undefined) customer.approved = input.approved;
  if (input.dateOfBirth !== undefined) customer.dateOfBirth = input.dateOfBirth;
  if (input.customFields !== undefined) customer.customFields = input.customFields;
  if (input.referrer !== undefined) customer.referrerUid = input.referrer?.uid ?? null;
  customer.updatedAt = new Date().toISOString();
  return ok(render(ctx)(customer));
}

function updateCustomerByBody(ctx: RequestCtx) {
  const errors = new Errors();
  const id = readString(ctx.body, 'id', 'id', errors, { required: true });
  errors.throwIfAny();
  return applyUpdate(ctx, mustFind(ctx.sb.store, id ?? undefined));
}

function listCustomers(ctx: RequestCtx) {
  const referStatus = ctx.query.get('refer_status');
  if (referStatus !== null && referStatus !== 'referred' && referStatus !== 'non_referred') {
    const errors = new Errors();
    errors.add('refer_status', 'The selected refer_status is invalid.');
    errors.throwIfAny();
  }
  const customers = ctx.sb.store
    .activeCustomers()
    .filter((c) => referStatus === null || (c.referrerUid !== null) === (referStatus === 'referred'));
  return paginate(ctx, customers, render(ctx));
}

function searchCustomers(ctx: RequestCtx) {
  const email = ctx.query.get('email');
  const key = ctx.query.get('key');
  const id = ctx.query.get('id');
  if (email === null && key === null && id === null) {
    const errors = new Errors();
    errors.add('email', 'The email field is required when none of key / id are present.');
    errors.throwIfAny();
  }
  const customers = ctx.sb.store
    .activeCustomers()
    .filter(
      (c) =>
        (email === null || c.email?.toLowerCase() === email.toLowerCase()) &&
        (key === null || c.key === key) &&
        (id === null || c.id === id),
    );
  return paginate(ctx, customers, render(ctx));
}

function inviteCustomer(ctx: RequestCtx) {
  const errors = new Errors();
  const email = readString(ctx.body, 'email', 'email', errors, { required: true });
  if (email && !isEmail(email)) errors.add('email', 'The email must be a valid email address.');
  const name = readString(ctx.body, 'name', 'name', errors, { nullable: true });
  errors.throwIfAny();
  return ok({ email, name: name ?? null, invited: true });
}

function deleteCustomer(ctx: RequestCtx) {
  const customer = mustFind(ctx.sb.store, ctx.params.id);
  customer.status = 'deleted';
  customer.updatedAt = new Date().toISOString();
  return { status: 204 };
}

function customerStats(ctx: RequestCtx) {
  const { store, config } = ctx.sb;
  const customer = mustFind(store, ctx.params.id);
  const link = encodeURIComponent(referralLink(config, customer.key));
  const paid = new Set(
    store.state.transactions
      .filter((t) => t.referrerUid === customer.uid && !t.archived)
      .map((t) => t.customerUid),
  );
  return ok({
    clicks: customer.clicks,
    signups: store.state.customers.filter((c) => c.referrerUid === customer.uid).length,
    referrals: store.referralsOf(customer.uid).length,
    paid_referrals: paid.size,
    social_sharing: {
      twitter: `https://twitter.com/intent/tweet?url=${link}`,
      facebook: `https://www.facebook.com/sharer/sharer.php?u=${link}`,
      linkedin: `https://www.linkedin.com/sharing/share-offsite/?url=${link}`,
      email: `mailto:?body=${link}`,
    },
  });
}

function creditBalance(ctx: RequestCtx) {
  const { store } = ctx.sb;
  const customer = mustFind(store, ctx.params.id);
  const errors = new Errors();
  const amount = readNumber(ctx.body, 'amount', 'amount', errors, { required: true, positive: true });
  const units = readString(ctx.body, 'amount_units', 'amount_units', errors, { required: true });
  const isCurrency = readBoolean(ctx.body, 'is_currency', 'is_currency', errors, { required: true });
  errors.throwIfAny();
  store.state.credits.push({
    id: store.nextId('crd'),
    customerUid: customer.uid,
    amount: amount ?? 0,
    amountUnits: units ?? 'usd',
    isCurrency: isCurrency ?? true,
    createdAt: new Date().toISOString(),
  });
  const { balance, currency } = store.balanceOf(customer.uid);
  return ok({ balance, currency }, 201);
}

export const customerRoutes: Route[] = [
  { method: 'POST', path: 'customers', handler: createCustomer },
  { method: 'GET', path: 'customers', handler: listCustomers },
  { method: 'PUT', path: 'customers', handler: updateCustomerByBody },
  { method: 'GET', path: 'customers:search', handler: searchCustomers },
  { method: 'POST', path: 'customers:invite', handler: inviteCustomer },
  {
    method: 'GET',
    path: 'customers/{id}',
    handler: (ctx) => ok(render(ctx)(mustFind(ctx.sb.store, ctx.params.id))),
  },
  {
    method: 'PUT',
    path: 'customers/{id}',
    handler: (ctx) => applyUpdate(ctx, mustFind(ctx.sb.store, ctx.params.id)),
  },
  { method: 'DELETE', path: 'customers/{id}', handler: deleteCustomer },
  { method: 'GET', path: 'customers/{id}/stats', handler: customerStats },
  {
    method: 'GET',
    path: 'customers/{id}/balance',
    handler: (ctx) => ok(ctx.sb.store.balanceOf(mustFind(ctx.sb.store, ctx.params.id).uid)),
  },
  { method: 'POST', path: 'customers/{id}/balance/credit', handler: creditBalance },
  {
    method: 'GET',
    path: 'customers/{id}/referrals',
    handler: (ctx) =>
      paginate(ctx, ctx.sb.store.referralsOf(mustFind(ctx.sb.store, ctx.params.id).uid), render(ctx)),
  },
  {
    method: 'GET',
    path: 'customers/{id}/referral_links',
    handler: (ctx) => ok(render(ctx)(mustFind(ctx.sb.store, ctx.params.id)).referral_links),
  },
];
