import type { Sandbox } from './http.js';
import { renderCustomer } from './render.js';
import type { CustomerRecord, Store } from './store.js';
import { type Errors, isEmail, isIsoDate, readBoolean, readObject, readString } from './validation.js';

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

/** Applies a validated update. */
export function applyCustomerInput(customer: CustomerRecord, input: CustomerInput): void {
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
}

/**
 * Partnero generates an `id` when none is sent; in the refer-a-friend guide's example a customer created
 * with only a `key` came back with that key as its `id`, so the sandbox does the same when it is free.
 */
function defaultId(sb: Sandbox, key: string | undefined): string {
  return key !== undefined && !sb.store.byId(key) ? key : sb.store.nextId('customer');
}

/** Stores a validated new customer and announces it. */
export function insertCustomer(sb: Sandbox, input: CustomerInput): CustomerRecord {
  const now = new Date().toISOString();
  const customer: CustomerRecord = {
    uid: sb.store.nextId('cus'),
    id: input.id ?? defaultId(sb, input.key),
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
  sb.webhooks.emit('customer.created', renderCustomer(customer, sb));
  rewardReferralInPoints(sb, customer);
  return customer;
}

/** The program's sign-up reward, when it has one: points for the referrer, beside its money. */
function rewardReferralInPoints(sb: Sandbox, customer: CustomerRecord): void {
  const referrer = sb.store.byUid(customer.referrerUid);
  const amount = sb.config.referralPoints;
  if (!referrer || amount <= 0) return;
  sb.store.state.credits.push({
    id: sb.store.nextId('rwd'),
    customerUid: referrer.uid,
    amount,
    amountUnits: 'points',
    isCurrency: false,
    createdAt: new Date().toISOString(),
  });
  sb.webhooks.emit('customer.rewarded', {
    ...renderCustomer(referrer, sb),
    reward: { amount, amount_units: 'points', is_currency: false },
  });
}
