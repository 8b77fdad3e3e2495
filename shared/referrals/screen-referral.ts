import {
  type CallOptions,
  type Customer,
  isPartneroError,
  type PartneroClient,
} from '#shared/partnero/index.js';
import type { Identity } from './identity.js';
import { type EmailHasher, sameMailbox } from './mailbox.js';
import type { ReferralKeys } from './public-keys.js';
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

/** The referrer a sign-up may be attributed to: its public key, and its account id when our map knows it. */
export interface Referrer {
  key: string;
  /** Set for a key we generated: Partnero attributes by `referring_customer.id`, which wins over `key`. */
  accountId?: string;
}

export type Screened = { referrer?: Referrer; dropped?: ReferralDropReason };

const orNotFound = (e: unknown): undefined => {
  if (isPartneroError(e) && e.code === 'not_found') return undefined;
  throw e;
};

/** What screening reads: our key map and email hash, and (for keys from before the map) Partnero. */
export interface ScreeningDeps {
  client: PartneroClient;
  keys: Pick<ReferralKeys, 'ownerOf'>;
  hashEmail: EmailHasher;
}

/**
 * Decides whether a sign-up may carry its referral, before anything is written.
 *
 * A key from our map names its owner's account and email hash, so a self-referral (the same account, or
 * the same mailbox: `alice+2@gmail.com` referring `a.lice@googlemail.com`) is caught with no Partnero call.
 * A key the map does not know is an older customer's, whose key is its account id: it is attributed by
 * key, and the mailbox check reads that customer from Partnero (`GET /customers/{id}`).
 */
export async function screenReferral(
  deps: ScreeningDeps,
  identity: Identity,
  referral: ReferralSource | undefined,
  guards: ReferralGuards,
  call: CallOptions = {},
): Promise<Screened> {
  if (!referral) return {};
  if ('invalid' in referral) return { dropped: 'invalid_referral' };
  if (referral.key === identity.customerKey) return { dropped: 'self_referral' };
  const { email } = identity;
  if (email && (await guards.isDisposableEmail?.(email))) return { dropped: 'disposable_email' };
  const owner = await deps.keys.ownerOf(referral.key);
  if (owner) {
    if (owner.accountId === identity.customerKey) return { dropped: 'self_referral' };
    if (email && owner.emailHash && owner.emailHash === (await deps.hashEmail(email))) {
      return { dropped: 'self_referral' };
    }
    return { referrer: { key: referral.key, accountId: owner.accountId } };
  }
  if (!email) return { referrer: { key: referral.key } };
  const referrer: Customer | undefined = await deps.client.customers
    .get(referral.key, call)
    .catch(orNotFound);
  if (!referrer) return { dropped: 'unknown_referrer' };
  if (referrer.email && sameMailbox(referrer.email, email)) return { dropped: 'self_referral' };
  return { referrer: { key: referral.key } };
}
