import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { LedgerTimings, Settlement } from './ledger.js';
import {
  backoffOf,
  expirationOf,
  N,
  orderFields,
  quietAfter,
  S,
  shardOf,
  type Timings,
} from './ledger-items.js';
import type { Write } from './ledger-table.js';
import type { Order } from './order.js';

/**
 * The transitions the order pipeline makes (claim, finish, release, reject, refunds), each one
 * conditional update (see the state diagram in ledger.ts); the reconciler's are in ledger-sweep-writes.ts.
 * Pure: the expressions and their values, for `LedgerTable` to send.
 */

/** The refused states (`REFUSED_STATES`): claimable again. */
const REFUSED = '#state IN (:rejected, :deferred, :parked)';
const refusedValues = { ':rejected': S('rejected'), ':deferred': S('deferred'), ':parked': S('parked') };

/**
 * Takes a claimable entry over (refused, or claimed with its lease run out), keeping the first order's
 * fields, since an earlier attempt with them may still land. `corrected`: the entry was refused with no
 * attempt in doubt, so nothing of it can land and this order's fields replace it (a resend that fixes
 * what Partnero refused, e.g. the customer key). Failures in a row are kept (a deferred order's backoff).
 */
export function takeOverWrite(
  order: Order,
  owner: string,
  now: number,
  lease: number,
  corrected = false,
): Write {
  const fields = orderFields(order, corrected);
  const condition = corrected
    ? `${REFUSED} AND attribute_not_exists(#doubt)`
    : `${REFUSED} OR (#state = :claimed AND #leaseUntil < :now)`;
  return {
    update:
      'SET #state = :claimed, #owner = :owner, #leaseUntil = :lease, #sweepShard = :shard, #sweepAt = :lease, ' +
      `#updatedAt = :now, #expiration = if_not_exists(#expiration, :expiration), ${fields.set.join(', ')} ` +
      `REMOVE ${['#doubt', '#reason', ...fields.remove].join(', ')}`,
    values: {
      ':claimed': S('claimed'),
      ...refusedValues,
      ':owner': S(owner),
      ':lease': N(lease),
      ':shard': S(shardOf(order.orderId)),
      ':now': N(now),
      ':expiration': expirationOf(now),
      ...fields.values,
    },
    condition,
  };
}

/** Settles a claim `owner` holds: recorded (verified later after doubt) or not referred. */
export function finishWrite(
  settlement: Settlement,
  owner: string,
  now: number,
  timings: LedgerTimings,
): Write {
  const values: Record<string, AttributeValue> = {
    ':owner': S(owner),
    ':now': N(now),
    ':state': S(settlement.state),
  };
  if (settlement.state === 'not_referred') {
    values[':reason'] = S(settlement.reason);
    return {
      update:
        'SET #state = :state, #reason = :reason, #updatedAt = :now REMOVE #owner, #leaseUntil, #sweepShard, #sweepAt, #failures',
      values,
      condition: '#owner = :owner',
    };
  }
  values[':reward'] = N(settlement.reward);
  const condition = '#owner = :owner AND attribute_not_exists(#refundRequested)';
  if (!settlement.verify) {
    return {
      update:
        'SET #state = :state, #reward = :reward, #updatedAt = :now REMOVE #owner, #leaseUntil, #sweepShard, #sweepAt, #failures',
      values,
      condition,
    };
  }
  values[':verifyAt'] = N(now + timings.verifyDelayMs);
  return {
    update:
      'SET #state = :state, #reward = :reward, #updatedAt = :now, #sweepAt = :verifyAt REMOVE #owner, #leaseUntil, #checks, #failures',
    values,
    condition,
  };
}

/**
 * Ends a claim's lease in doubt, at `sentBy` (the latest time its attempt could have been sent): the next
 * claim looks the key up first, and the entry is due once the look-up lag has passed since then. After a
 * failure (`failures` so far), due after the growing delay instead, and the failure is counted.
 */
export function releaseWrite(
  owner: string,
  now: number,
  timings: Timings,
  options: { sentBy?: number; failures?: number } = {},
): Write {
  const sentBy = Math.min(options.sentBy ?? now - 1, now - 1);
  const failed = options.failures !== undefined;
  const failures = (options.failures ?? 0) + 1;
  const due = failed
    ? Math.max(now + backoffOf(failures, timings), sentBy + timings.lookupLagMs)
    : sentBy + timings.lookupLagMs;
  return {
    update: `SET #leaseUntil = :sentBy, #sweepAt = :due${failed ? ', #failures = :failures' : ''}`,
    values: {
      ':owner': S(owner),
      ':sentBy': N(sentBy),
      ':due': N(due),
      ...(failed ? { ':failures': N(failures) } : {}),
    },
    condition: '#owner = :owner',
  };
}

/**
 * Partnero refused the order for good. With doubt, the reconciler looks for a late copy once every
 * write in flight has landed and shows; the lease end stays as the latest time an attempt was sent.
 */
export function rejectWrite(
  rejection: { reason: string; doubt: boolean },
  owner: string,
  now: number,
  timings: Timings,
): Write {
  const values: Record<string, AttributeValue> = {
    ':owner': S(owner),
    ':rejected': S('rejected'),
    ':reason': S(rejection.reason.slice(0, 1000)),
    ':now': N(now),
  };
  if (rejection.doubt) {
    values[':true'] = { BOOL: true };
    values[':past'] = N(now - 1);
    values[':later'] = N(quietAfter(now, timings));
  }
  return {
    update: rejection.doubt
      ? 'SET #state = :rejected, #reason = :reason, #doubt = :true, #leaseUntil = :past, #sweepAt = :later, #updatedAt = :now REMOVE #owner'
      : 'SET #state = :rejected, #reason = :reason, #updatedAt = :now REMOVE #owner, #leaseUntil, #sweepShard, #sweepAt, #failures',
    values,
    condition: '#owner = :owner AND attribute_not_exists(#refundRequested)',
  };
}

/**
 * A retryable answer (429, a failure before sending, an unknown customer): the order is still owed.
 * `deferred`, due again after a delay that doubles per failure in a row. An unknown customer is `parked`
 * once the failures reach `parkAfterFailures` (out of the sweep, unless an attempt in doubt may still
 * land: then one late look); a rate limit or an outage never parks a good order, it only waits longer.
 */
export function deferWrite(
  deferral: { reason: string; doubt: boolean; failures: number; parkable: boolean },
  owner: string,
  now: number,
  timings: Timings,
): { write: Write; state: 'deferred' | 'parked' } {
  const failures = deferral.failures + 1;
  const parked = deferral.parkable && failures >= timings.parkAfterFailures;
  const values: Record<string, AttributeValue> = {
    ':owner': S(owner),
    ':state': S(parked ? 'parked' : 'deferred'),
    ':reason': S(deferral.reason.slice(0, 1000)),
    ':failures': N(failures),
    ':now': N(now),
  };
  const set = ['#state = :state', '#reason = :reason', '#failures = :failures', '#updatedAt = :now'];
  const remove = ['#owner'];
  if (deferral.doubt) {
    values[':true'] = { BOOL: true };
    values[':past'] = N(now - 1);
    set.push('#doubt = :true', '#leaseUntil = :past');
  } else remove.push('#leaseUntil');
  if (!parked || deferral.doubt) {
    values[':due'] = N(parked ? quietAfter(now, timings) : now + backoffOf(failures, timings));
    set.push('#sweepAt = :due');
  } else remove.push('#sweepShard', '#sweepAt');
  return {
    write: {
      update: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
      values,
      condition: '#owner = :owner AND attribute_not_exists(#refundRequested)',
    },
    state: parked ? 'parked' : 'deferred',
  };
}

/** Remembers a refund whatever the state; an entry that did not exist becomes `refunded`. */
export const requestRefundWrite = (orderId: string, now: number, timings: LedgerTimings): Write => ({
  update:
    'SET #refundRequested = :true, #state = if_not_exists(#state, :refunded), #updatedAt = :now, ' +
    '#sweepShard = if_not_exists(#sweepShard, :shard), #sweepAt = if_not_exists(#sweepAt, :due), ' +
    '#expiration = if_not_exists(#expiration, :expiration)',
  values: {
    ':true': { BOOL: true },
    ':refunded': S('refunded'),
    ':now': N(now),
    ':shard': S(shardOf(orderId)),
    ':due': N(now + timings.leaseMs),
    ':expiration': expirationOf(now),
  },
});

/** Marks a refund done; a claimed order is its holder's to finish (it reverses the refund itself). */
export const completeRefundWrite = (
  orderId: string,
  owner: string | undefined,
  now: number,
  timings: LedgerTimings,
  reversed = false,
): Write => ({
  update:
    `SET #state = :refunded, #updatedAt = :now, #sweepShard = :shard, #sweepAt = :verifyAt${reversed ? ', #reversed = :true' : ''} ` +
    'REMOVE #owner, #leaseUntil, #checks, #trimming',
  values: {
    ...(reversed ? { ':true': { BOOL: true } } : {}),
    ':refunded': S('refunded'),
    ':claimed': S('claimed'),
    ':owner': S(owner ?? '\u0000none'),
    ':now': N(now),
    ':shard': S(shardOf(orderId)),
    ':verifyAt': N(now + timings.verifyDelayMs),
  },
  condition: 'attribute_exists(#refundRequested) AND (#state <> :claimed OR #owner = :owner)',
});

/**
 * A partial refund of a recorded order, once per refund id: the total and the version grow, and the
 * entry is due after a lease, so the reconciler carries the change through if its caller stops.
 */
/** How a partial refund is remembered with its amount: `<refund id>=<amount>`. */
export const refundAmountOf = (refund: { refundId: string; amount: number }) =>
  `${refund.refundId}=${refund.amount}`;

export const registerPartialRefundWrite = (
  orderId: string,
  refund: { refundId: string; amount: number },
  now: number,
  timings: LedgerTimings,
): Write => ({
  update:
    // `refundAmounts` keeps each id with its amount, so the same id with another amount is told apart.
    'ADD #refundIds :ids, #refundAmounts :idAmount, #refundedTotal :amount, #version :one ' +
    'SET #updatedAt = :now, #sweepShard = :shard, #sweepAt = :due REMOVE #checks',
  values: {
    ':ids': { SS: [refund.refundId] },
    ':idAmount': { SS: [refundAmountOf(refund)] },
    ':id': S(refund.refundId),
    ':amount': N(refund.amount),
    ':one': N(1),
    ':recorded': S('recorded'),
    ':now': N(now),
    ':shard': S(shardOf(orderId)),
    ':due': N(now + timings.leaseMs),
  },
  condition:
    '#state = :recorded AND attribute_not_exists(#refundRequested) AND NOT contains(#refundIds, :id)',
});
