import { AppError } from '#shared/errors.js';
import { type CallOptions, isPartneroError, type PartneroClient } from '#shared/partnero/index.js';
import { customerView, friendView } from './customer-view.js';
import { legacyKey, type ReferralKeys } from './public-keys.js';

export const FRIENDS_PER_PAGE = 20;

/**
 * Everything the referral dashboard shows (link, stats, every balance unit, friends), fetched from
 * Partnero by the account id (its private `id`), in parallel with our key map, so the page waits for one
 * round trip, not five.
 */
export async function loadDashboard(
  client: PartneroClient,
  keys: Pick<ReferralKeys, 'keyOf'>,
  accountId: string,
  page: number,
  call: CallOptions = {},
) {
  try {
    const [customer, stats, balance, friends, key] = await Promise.all([
      client.customers.get(accountId, call),
      client.customers.stats(accountId, call),
      client.customers.balance(accountId, call),
      client.customers.referrals(accountId, { page, limit: FRIENDS_PER_PAGE }, call),
      keys.keyOf(accountId),
    ]);
    return {
      // A customer enrolled before our keys (and not since) has its account id as its key.
      customer: customerView(customer, key ?? legacyKey(accountId)),
      // Partnero publishes no stat names: a count it does not answer under a name we know is null
      // (unknown), never 0.
      stats: {
        clicks: stats.clicks,
        signups: stats.signups,
        referrals: stats.referrals,
        paid_referrals: stats.paid_referrals,
      },
      // Every unit Partnero holds for the customer: money in each currency, and points.
      balances: balance.units,
      referrals: {
        data: friends.data.map(friendView),
        page: friends.meta.current_page ?? page,
        // null when Partnero's answer does not say (a list without `meta`).
        last_page: friends.meta.last_page,
        total: friends.meta.total,
      },
    };
  } catch (error) {
    if (isPartneroError(error) && error.code === 'not_found') {
      throw new AppError(
        'not_enrolled',
        'You have not joined the referral program yet: call POST /referrals/signup',
      );
    }
    throw error;
  }
}
