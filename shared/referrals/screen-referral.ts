import {
  type CallOptions,
  type Customer,
  isPartneroError,
  type PartneroClient,
} from '#shared/partnero/index.js';
import { sameMailbox } from './canonical-email.js';
import type { Identity } from './identity.js';
import type { ReferralSource } from './referral-source.js';

/** Why a sign-up's referral was not used. */
export type ReferralDropReason =
  | 'invalid_referral'
  | 'self_referral'
  | 'disposable_email'
  | 'unknown_referrer'
  | 'already_enrolled';

export interface ReferralGuards {
  /** Drops the referral of a sign-up from a throwaway mailbox (`BLOCK_DISPOSABLE_EMAILS`). */
  isDisposableEmail?: (email: string) => boolean | Promise<boolean>;
}

export type Screened = { referrerKey?: string; dropped?: ReferralDropReason };

const orNotFound = (e: unknown): undefined => {
  if (isPartneroError(e) && e.code === 'not_found') return undefined;
  throw e;
};

/**
 * Decides whether a sign-up may carry its referral, before anything is written. The one Partnero read
 * (the referrer, to compare mailboxes) happens only when a referral key and a verified email are both
 * there: `alice+2@gmail.com` referring `a.lice@googlemail.com` is one person referring themselves.
 */
export async function screenReferral(
  client: PartneroClient,
  identity: Identity,
  referral: ReferralSource | undefined,
  guards: ReferralGuards,
  call: CallOptions = {},
): Promise<Screened> {
  if (!referral) return {};
  if ('invalid' in referral) return { dropped: 'invalid_referral' };
  if (referral.key === identity.customerKey) return { dropped: 'self_referral' };
  const { email } = identity;
  if (!email) return { referrerKey: referral.key };
  if (await guards.isDisposableEmail?.(email)) return { dropped: 'disposable_email' };
  const referrer: Customer | undefined = await client.customers.get(referral.key, call).catch(orNotFound);
  if (!referrer) return { dropped: 'unknown_referrer' };
  if (referrer.email && sameMailbox(referrer.email, email)) return { dropped: 'self_referral' };
  return { referrerKey: referral.key };
}
