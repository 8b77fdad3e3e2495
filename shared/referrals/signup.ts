import type { Logger } from '@aws-lambda-powertools/logger';
import { AppError } from '#shared/errors.js';
import {
  type CallOptions,
  type Customer,
  isPartneroError,
  type PartneroClient,
} from '#shared/partnero/index.js';
import type { Identity } from './identity.js';

export interface SignupInput {
  identity: Identity;
  /** Optional profile fields from the request body; token claims win over them. */
  profile: { email?: string; name?: string; surname?: string };
  /** A syntactically valid referrer key from the cookie or body, if any. */
  referrerKey?: string;
}

export interface SignupResult {
  customer: Customer;
  created: boolean;
  /** Why a referrer key was not used, when one was given. */
  referralDropped?: 'self_referral' | 'unknown_referrer' | 'already_enrolled';
}

const isReferrerRejection = (e: unknown) =>
  isPartneroError(e) &&
  e.code === 'validation' &&
  Object.keys(e.fields ?? {}).some((f) => f.startsWith('referring_customer'));

/**
 * Enrols the caller as a Partnero customer, attributed to the referrer when there is a valid one.
 * Idempotent: a caller who already exists gets their customer back, never re-attributed.
 */
export async function signup(
  client: PartneroClient,
  input: SignupInput,
  log: Pick<Logger, 'info' | 'warn'>,
  call: CallOptions = {},
): Promise<SignupResult> {
  const { identity, profile } = input;
  let referrerKey = input.referrerKey;
  let referralDropped: SignupResult['referralDropped'];
  if (referrerKey && referrerKey === identity.customerKey) {
    log.warn('self-referral dropped', { customerKey: identity.customerKey });
    referrerKey = undefined;
    referralDropped = 'self_referral';
  }

  const email = identity.email ?? profile.email;
  const name = identity.name ?? profile.name;
  const surname = identity.surname ?? profile.surname;
  const body = {
    key: identity.customerKey,
    id: identity.customerKey,
    ...(email ? { email } : {}),
    ...(name ? { name } : {}),
    ...(surname ? { surname } : {}),
  };

  const create = (ref?: string) =>
    client.customers.create(ref ? { ...body, referring_customer: { key: ref } } : body, call);

  try {
    try {
      return {
        customer: await create(referrerKey),
        created: true,
        ...(referralDropped ? { referralDropped } : {}),
      };
    } catch (error) {
      if (!referrerKey || !isReferrerRejection(error)) throw error;
      // A stale or mistyped referral link must not stop someone from signing up.
      log.warn('unknown referrer dropped', { customerKey: identity.customerKey, referrerKey });
      return { customer: await create(), created: true, referralDropped: 'unknown_referrer' };
    }
  } catch (error) {
    if (!isPartneroError(error) || error.code !== 'conflict') throw error;
    const existing = await client.customers.get(identity.customerKey, call).catch((e: unknown) => {
      // The conflict was on another field (the email belongs to a different customer). Say so without
      // naming the field, so sign-up cannot be used to probe which emails are enrolled.
      if (isPartneroError(e) && e.code === 'not_found') {
        throw new AppError('conflict', 'This account conflicts with an existing customer; contact support');
      }
      throw e;
    });
    const dropped = referralDropped ?? (referrerKey ? 'already_enrolled' : undefined);
    return { customer: existing, created: false, ...(dropped ? { referralDropped: dropped } : {}) };
  }
}
