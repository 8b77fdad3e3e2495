import { AppError } from '#shared/errors.js';
import { type CallOptions, type Customer, isPartneroError } from '#shared/partnero/index.js';
import type { Identity } from './identity.js';
import type { AccountKey, ReferralKeys } from './public-keys.js';
import type { ReferralSource } from './referral-source.js';
import {
  type ReferralDropReason,
  type ReferralGuards,
  type Referrer,
  type Screened,
  type ScreeningDeps,
  screenReferral,
} from './screen-referral.js';

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
  /** The customer's public key, and whether it is one we generated or (enrolled before) its account id. */
  key: AccountKey;
  outcome: SignupOutcome;
  /** Who the customer was attributed to (`attributed` only). */
  referrer?: Referrer;
  /** Why the referral was not used, when one was given. */
  referralDropped?: ReferralDropReason;
}

export type SignupDeps = ScreeningDeps & { keys: ReferralKeys };

const isReferrerRejection = (e: unknown) =>
  isPartneroError(e) &&
  e.code === 'validation' &&
  Object.keys(e.fields ?? {}).some((f) => f.startsWith('referring_customer'));

const emailInUse = () =>
  new AppError(
    'email_in_use',
    'Your email already belongs to another referral account: sign in with the account you joined with first, or ask support to move it',
  );

/** Whether Partnero's link for the customer carries `key` (when the answer has a link at all). */
const linkCarries = (customer: Customer, key: string) =>
  customer.referral_link === null || customer.referral_link.includes(key);

/** The customer as we create it: the account id as its private `id`, our public key as its `key`. */
function customerBody(identity: Identity, profile: SignupInput['profile'], publicKey: string) {
  const name = identity.name ?? profile.name;
  const surname = identity.surname ?? profile.surname;
  return {
    id: identity.customerKey,
    key: publicKey,
    ...(identity.email ? { email: identity.email } : {}),
    ...(name ? { name } : {}),
    ...(surname ? { surname } : {}),
  };
}

const dropped = (reason: ReferralDropReason | undefined) => (reason ? { referralDropped: reason } : {});

/**
 * Enrols the caller as a Partnero customer, attributed to the referrer when the referral survives
 * screening. The customer is sent with the account id as its private `id` and a public key of ours
 * (`public-keys.ts`) as its `key`; a referrer from our map is named by `referring_customer.id`, an older
 * one by its key. Idempotent: a caller who already exists gets their customer back, never re-attributed.
 * A dropped referral never stops the sign-up.
 */
export async function signup(
  deps: SignupDeps,
  input: SignupInput,
  guards: ReferralGuards = {},
  call: CallOptions = {},
): Promise<SignupResult> {
  const { client, keys } = deps;
  const { identity } = input;
  const screened = await screenReferral(deps, identity, input.referral, guards, call);
  const emailHash = identity.email ? await deps.hashEmail(identity.email) : null;
  const own = await keys.enrol(identity.customerKey, emailHash);
  const body = customerBody(identity, input.profile, own.publicKey);
  const create = (referrer?: Referrer) =>
    client.customers.create(
      referrer
        ? {
            ...body,
            referring_customer: referrer.accountId ? { id: referrer.accountId } : { key: referrer.key },
          }
        : body,
      call,
    );

  try {
    try {
      const customer = await create(screened.referrer);
      if (screened.referrer) await keys.rememberReferrer(identity.customerKey, screened.referrer.key);
      return {
        customer,
        key: { ...own, referrerKey: screened.referrer?.key ?? own.referrerKey },
        outcome: screened.referrer ? 'attributed' : 'unattributed',
        ...(screened.referrer ? { referrer: screened.referrer } : {}),
        ...dropped(screened.dropped),
      };
    } catch (error) {
      if (!screened.referrer || !isReferrerRejection(error)) throw error;
      // A stale or mistyped referral link must not stop someone from signing up.
      return {
        customer: await create(),
        key: own,
        outcome: 'unattributed',
        referralDropped: 'unknown_referrer',
      };
    }
  } catch (error) {
    if (!isPartneroError(error) || error.code !== 'conflict') throw error;
    return existingSignup(deps, { identity, own, emailHash, screened }, call);
  }
}

/**
 * The caller is a Partnero customer already (Partnero answered `conflict`): their customer, never
 * re-attributed, with the key their link carries.
 */
async function existingSignup(
  { client, keys }: SignupDeps,
  enrolment: {
    identity: Identity;
    own: AccountKey & { created: boolean };
    emailHash: string | null;
    screened: Screened;
  },
  call: CallOptions,
): Promise<SignupResult> {
  const { identity, emailHash, screened } = enrolment;
  let own = enrolment.own;
  const existing = await client.customers.get(identity.customerKey, call).catch((e: unknown) => {
    // Not this account: the (verified) email is another customer's. Only its owner can see this.
    if (isPartneroError(e) && e.code === 'not_found') throw emailInUse();
    throw e;
  });
  // Enrolled before our keys existed: its key is its account id, and the key just drawn goes unused.
  if (own.created && !linkCarries(existing, own.publicKey)) {
    own = { ...(await keys.markLegacy(identity.customerKey, emailHash, own.publicKey)), created: false };
  }
  const reason = screened.dropped ?? (screened.referrer ? 'already_enrolled' : undefined);
  return { customer: existing, key: own, outcome: 'existing', ...dropped(reason) };
}
