import { AppError } from '#shared/errors.js';
import { type CallOptions, isPartneroError, type PartneroClient } from '#shared/partnero/index.js';
import { customerView, friendView } from './customer-view.js';

export const FRIENDS_PER_PAGE = 20;

/**
 * Everything the referral dashboard shows (link, stats, every balance unit, friends), fetched from Partnero in parallel so the page waits for
 * one round trip, not four.
 */
export async function loadDashboard(
  client: PartneroClient,
  customerKey: string,
  page: number,
  call: CallOptions = {},
) {
  try {
    const [customer, stats, balance, friends] = await Promise.all([
      client.customers.get(customerKey, call),
      client.customers.stats(customerKey, call),
      client.customers.balance(customerKey, call),
      client.customers.referrals(customerKey, { page, limit: FRIENDS_PER_PAGE }, call),
    ]);
    return {
      customer: customerView(customer, customerKey),
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
