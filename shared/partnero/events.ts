/**
 * The webhook events of a refer-a-friend program (Partnero's contract). Partnero refuses a
 * subscription to an event its program type lacks, so `npm run connect` subscribes to exactly
 * these and the sandbox accepts exactly these.
 */
export const REFER_A_FRIEND_EVENTS = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.credited',
  'customer.rewarded',
  'transaction.created',
  'transaction.deleted',
] as const;

export type ReferAFriendEvent = (typeof REFER_A_FRIEND_EVENTS)[number];
