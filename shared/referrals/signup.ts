import { AppError } from '#shared/errors.js';
import {
  type CallOptions,
  type Customer,
  isPartneroError,
  type PartneroClient,
} from '#shared/partnero/index.js';
import type { Identity } from './identity.js';
import type { ReferralSource } from './referral-source.js';
import { type ReferralDropReason, type ReferralGuards, screenReferral } from './screen-referral.js';

export interface SignupInput {
  identity: Identity;
  /** Optional display names from the request body; token claims win over them. */
  profile: { name?: string; surname?: string };
  referral?: ReferralSource;
}

/** `attributed`: created with its referrer; `unattributed`: created without; `existing`: enrolled before. */
export type SignupOutcome = 'attributed' | 'unattributed' | 'existing';

export interface SignupResult {
  customer: Customer;
  outcome: SignupOutcome;
  /** Why the referral was not used, when one was given. */
  referralDropped?: ReferralDropReason;
}

const isReferrerRejection = (e: unknown) =>
  isPartneroError(e) &&
  e.code === 'validation' &&
  Object.keys(e.fields ?? {}).some((f) => f.startsWith('referring_customer'));

const emailInUse = () =>
  new AppError(
    'email_in_use',
    'Your email already belongs to another referral account: sign in with the account you joined with first, or ask support to move it',
  );

/**
 * Enrols the caller as a Partnero customer, attributed to the referrer when the referral survives
 * screening. Idempotent: a caller who already exists gets their customer back, never re-attributed.
 * A dropped referral never stops the sign-up.
 */
export async function signup(
  client: PartneroClient,
  input: SignupInput,
  guards: ReferralGuards = {},
  call: CallOptions = {},
): Promise<SignupResult> {
  const { identity, profile } = input;
  const screened = await screenReferral(client, identity, input.referral, guards, call);
  const name = identity.name ?? profile.name;
  const surname = identity.surname ?? profile.surname;
  const body = {
    key: identity.customerKey,
    id: identity.customerKey,
    ...(identity.email ? { email: identity.email } : {}),
    ...(name ? { name } : {}),
    ...(surname ? { surname } : {}),
  };
  const create = (ref?: string) =>
    client.customers.create(ref ? { ...body, referring_customer: { key: ref } } : body, call);
  const dropped = (reason: ReferralDropReason | undefined) => (reason ? { referralDropped: reason } : {});

  try {
    try {
      const customer = await create(screened.referrerKey);
      return {
        customer,
        outcome: screened.referrerKey ? 'attributed' : 'unattributed',
        ...dropped(screened.dropped),
      };
    } catch (error) {
      if (!screened.referrerKey || !isReferrerRejection(error)) throw error;
      // A stale or mistyped referral link must not stop someone from signing up.
      return { customer: await create(), outcome: 'unattributed', referralDropped: 'unknown_referrer' };
    }
  } catch (error) {
    if (!isPartneroError(error) || error.code !== 'conflict') throw error;
    const existing = await client.customers.get(identity.customerKey, call).catch((e: unknown) => {
      // Not this account: the (verified) email is another customer's. Only its owner can see this.
      if (isPartneroError(e) && e.code === 'not_found') throw emailInUse();
      throw e;
    });
    const reason = screened.dropped ?? (screened.referrerKey ? 'already_enrolled' : undefined);
    return { customer: existing, outcome: 'existing', ...dropped(reason) };
  }
}
