import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { numberEnv, requiredEnv } from '#shared/lambda/runtime.js';
import {
  abandonedClaim,
  type ClaimResult,
  type FinishResult,
  isRefused,
  type LedgerEntry,
  type OrderLedger,
  type Settlement,
} from './ledger.js';
import {
  claimItem,
  entryIn,
  entryOf,
  expirationOf,
  type Item,
  orderAttributes,
  shardOf,
  type Write,
} from './ledger-store.js';
import { backoffOf, LedgerSweep, quietAfter } from './ledger-sweep.js';
import type { Order } from './order.js';

/** The refused states (`REFUSED_STATES`): claimable again. */
const REFUSED = '#state IN (:rejected, :deferred, :parked)';
/** Settled without a claim: the claim's fields leave the entry, and it leaves the sweep. */
const UNCLAIM = '#owner, #leaseUntil, #sweepShard, #sweepAt, #failures';

/**
 * rejected | deferred | parked | claimed (lease run out) → claimed. Keeps the first order's fields (an
 * earlier attempt with them may still land) unless `corrected`: refused with no attempt in doubt, so
 * nothing of it can land and this order's fields replace them (a resend that fixes what Partnero refused,
 * e.g. the customer key). Failures in a row are kept (a deferred order's backoff).
 */
export function takeOverWrite(order: Order, owner: string, now: number, lease: number, corrected = false) {
  const fields = Object.entries(orderAttributes(order));
  const set = fields.map(([name]) =>
    corrected ? `#${name} = :${name}` : `#${name} = if_not_exists(#${name}, :${name})`,
  );
  // Optional fields this order lacks: removed when its fields replace an earlier order's.
  const absent = corrected ? (['productId', 'productType'] as const).filter((name) => !order[name]) : [];
  return {
    update:
      'SET #state = :claimed, #owner = :owner, #leaseUntil = :lease, #sweepShard = :shard, #sweepAt = :lease, ' +
      `#updatedAt = :now, #expiration = if_not_exists(#expiration, :expiration), ${set.join(', ')} ` +
      `REMOVE ${['#doubt', '#reason', ...absent.map((name) => `#${name}`)].join(', ')}`,
    values: marshall({
      ':claimed': 'claimed',
      ':rejected': 'rejected',
      ':deferred': 'deferred',
      ':parked': 'parked',
      ':owner': owner,
      ':lease': lease,
      ':shard': shardOf(order.orderId),
      ':now': now,
      ':expiration': expirationOf(now),
      ...Object.fromEntries(fields.map(([name, value]) => [`:${name}`, value])),
    }),
    condition: corrected
      ? `${REFUSED} AND attribute_not_exists(#doubt)`
      : `${REFUSED} OR (#state = :claimed AND #leaseUntil < :now)`,
  } satisfies Write;
}

/** A claim of an entry this holder already wrote (the SDK retried it): ours, but counted as a takeover. */
const ownClaim = (entry: LedgerEntry, owner: string, order: Order): ClaimResult | undefined =>
  entry.owner === owner && entry.state === 'claimed'
    ? { claimed: true, takeover: true, refundRequested: entry.refundRequested, order: entry.order ?? order }
    : undefined;

/** What a refused finish means: our own write the SDK retried after it landed, or a refund / lost claim. */
function refusedFinish(current: Item | undefined, settlement: Settlement): FinishResult {
  const entry = entryIn(current);
  if (entry && entry.state === settlement.state && !entry.owner && !entry.refundRequested)
    return { finished: true };
  return { finished: false, entry };
}

/**
 * The order ledger in one DynamoDB table (see the state diagram in ledger.ts). Here a claim's transitions,
 * each one conditional write: claim, finish, release, reject, defer; refunds and the reconciler's sweep
 * are in ledger-sweep.ts.
 */
export class DynamoOrderLedger extends LedgerSweep implements OrderLedger {
  /**
   * (none) → claimed, one PutItem if absent. An entry that exists answers with itself, and only a
   * claimable one (refused, or claimed with its lease run out) costs a second write, the takeover.
   */
  async claim(order: Order, owner: string): Promise<ClaimResult> {
    const now = this.now();
    const lease = now + this.timings.leaseMs;
    const existing = await this.putIfAbsent(claimItem(order, owner, now, lease));
    if (existing === undefined) return { claimed: true, takeover: false, refundRequested: false, order };
    const entry = entryOf(existing);
    const own = ownClaim(entry, owner, order);
    if (own) return own;
    if (!isRefused(entry) && !abandonedClaim(entry, now)) return { claimed: false, entry };
    const corrected = isRefused(entry) && !entry.doubt;
    const result = await this.update(order.orderId, takeOverWrite(order, owner, now, lease, corrected), true);
    if (!result.ok) {
      const current = entryIn(result.current);
      if (!current) throw new Error(`The ledger lost order ${order.orderId} while it was being claimed`);
      return ownClaim(current, owner, order) ?? { claimed: false, entry: current };
    }
    const old = entryIn(result.old);
    // Only a refusal without doubt proves no earlier attempt of this order can still land.
    const takeover = old !== undefined && !(isRefused(old) && !old.doubt);
    return {
      claimed: true,
      takeover,
      refundRequested: old?.refundRequested ?? false,
      order: corrected ? order : (old?.order ?? order),
      ...(takeover && old?.leaseUntil !== undefined ? { sentBy: old.leaseUntil } : {}),
      ...(old?.failures ? { failures: old.failures } : {}),
    };
  }

  /**
   * claimed → recorded (due for a count of copies after doubt) | not_referred, out of the sweep. Only the
   * holder's claim, and a recording only while no refund was asked for.
   */
  private finishWrite(settlement: Settlement, owner: string, now: number): Write {
    const values = { ':owner': owner, ':now': now, ':state': settlement.state };
    if (settlement.state === 'not_referred') {
      const update = `SET #state = :state, #reason = :reason, #updatedAt = :now REMOVE ${UNCLAIM}`;
      return {
        update,
        values: marshall({ ...values, ':reason': settlement.reason }),
        condition: '#owner = :owner',
      };
    }
    const condition = '#owner = :owner AND attribute_not_exists(#refundRequested)';
    if (!settlement.verify) {
      const update = `SET #state = :state, #reward = :reward, #updatedAt = :now REMOVE ${UNCLAIM}`;
      return { update, values: marshall({ ...values, ':reward': settlement.reward }), condition };
    }
    return {
      update:
        'SET #state = :state, #reward = :reward, #updatedAt = :now, #sweepAt = :verifyAt REMOVE #owner, #leaseUntil, #checks, #failures',
      values: marshall({
        ...values,
        ':reward': settlement.reward,
        ':verifyAt': now + this.timings.verifyDelayMs,
      }),
      condition,
    };
  }

  async finish(orderId: string, owner: string, settlement: Settlement): Promise<FinishResult> {
    const result = await this.update(orderId, this.finishWrite(settlement, owner, this.now()));
    return result.ok ? { finished: true } : refusedFinish(result.current, settlement);
  }

  /**
   * Several finishes in one TransactWriteItems (one round trip instead of one per order). When it is
   * cancelled (a refund arrived for one of them, a conflict), nothing was written and each is settled on
   * its own.
   */
  async finishAll(owner: string, settlements: { orderId: string; settlement: Settlement }[]) {
    const one = ({ orderId, settlement }: (typeof settlements)[number]) =>
      this.finish(orderId, owner, settlement);
    if (settlements.length < 2 || settlements.length > 100) return Promise.all(settlements.map(one));
    const now = this.now();
    const writes = settlements.map(({ orderId, settlement }) => ({
      orderId,
      write: this.finishWrite(settlement, owner, now),
    }));
    const results = await this.transact(writes);
    return Promise.all(
      settlements.map((finish, i): FinishResult | Promise<FinishResult> => {
        const result = results[i];
        if (result?.ok === true) return { finished: true };
        if (result?.ok === false) return refusedFinish(result.current, finish.settlement);
        return one(finish);
      }),
    );
  }

  /**
   * claimed → claimed, lease over at `sentBy` (the latest time its attempt could have been sent): the next
   * claim looks the key up first, and the entry is due once the look-up lag has passed since then. After a
   * failure (`failures` so far), due after the growing delay instead, and the failure is counted.
   */
  async release(orderId: string, owner: string, options: { sentBy?: number; failures?: number } = {}) {
    const now = this.now();
    const { lookupLagMs } = this.timings;
    const sentBy = Math.min(options.sentBy ?? now - 1, now - 1);
    const failed = options.failures !== undefined;
    const failures = (options.failures ?? 0) + 1;
    const due = failed
      ? Math.max(now + backoffOf(failures, this.timings), sentBy + lookupLagMs)
      : sentBy + lookupLagMs;
    await this.write(
      orderId,
      `SET #leaseUntil = :sentBy, #sweepAt = :due${failed ? ', #failures = :failures' : ''}`,
      { ':owner': owner, ':sentBy': sentBy, ':due': due, ...(failed ? { ':failures': failures } : {}) },
      '#owner = :owner',
    );
  }

  /**
   * claimed → rejected: Partnero refused the order for good. With doubt, the reconciler looks for a late
   * copy once every write in flight has landed and shows; the lease end stays as the latest time an
   * attempt was sent. A refund that arrived meanwhile makes it refunded instead.
   */
  async reject(orderId: string, owner: string, rejection: { reason: string; doubt: boolean }): Promise<void> {
    const now = this.now();
    const reason = rejection.reason.slice(0, 1000);
    const values = { ':owner': owner, ':rejected': 'rejected', ':reason': reason, ':now': now };
    const doubt = { ':true': true, ':past': now - 1, ':later': quietAfter(now, this.timings) };
    const result = await this.write(
      orderId,
      rejection.doubt
        ? 'SET #state = :rejected, #reason = :reason, #doubt = :true, #leaseUntil = :past, #sweepAt = :later, #updatedAt = :now REMOVE #owner'
        : `SET #state = :rejected, #reason = :reason, #updatedAt = :now REMOVE ${UNCLAIM}`,
      rejection.doubt ? { ...values, ...doubt } : values,
      '#owner = :owner AND attribute_not_exists(#refundRequested)',
    );
    if (!result.ok) await this.refusedWhileRefunding(orderId, owner, result.current);
  }

  /**
   * claimed → deferred | parked: a retryable answer (429, a failure before sending, an unknown customer),
   * the order still owed. Due again after a delay that doubles per failure in a row. An unknown customer
   * is parked once the failures reach `parkAfterFailures` (out of the sweep, unless an attempt in doubt
   * may still land: then one late look); a rate limit or an outage never parks a good order.
   */
  async defer(
    orderId: string,
    owner: string,
    deferral: { reason: string; doubt: boolean; failures: number; parkable: boolean },
  ): Promise<'deferred' | 'parked' | undefined> {
    const now = this.now();
    const failures = deferral.failures + 1;
    const state = deferral.parkable && failures >= this.timings.parkAfterFailures ? 'parked' : 'deferred';
    const reason = deferral.reason.slice(0, 1000);
    const values = {
      ':owner': owner,
      ':state': state,
      ':reason': reason,
      ':failures': failures,
      ':now': now,
    };
    const set = ['#state = :state', '#reason = :reason', '#failures = :failures', '#updatedAt = :now'];
    const remove = ['#owner'];
    if (deferral.doubt) set.push('#doubt = :true', '#leaseUntil = :past');
    else remove.push('#leaseUntil');
    const due = state === 'parked' ? quietAfter(now, this.timings) : now + backoffOf(failures, this.timings);
    if (state === 'deferred' || deferral.doubt) set.push('#sweepAt = :due');
    else remove.push('#sweepShard', '#sweepAt');
    const result = await this.write(
      orderId,
      `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
      {
        ...values,
        ...(deferral.doubt ? { ':true': true, ':past': now - 1 } : {}),
        ...(state === 'deferred' || deferral.doubt ? { ':due': due } : {}),
      },
      '#owner = :owner AND attribute_not_exists(#refundRequested)',
    );
    if (result.ok) return state;
    await this.refusedWhileRefunding(orderId, owner, result.current);
    return undefined;
  }

  /** A refund arrived for an order that was never recorded: it ends refunded (a late copy is still looked for). */
  private async refusedWhileRefunding(orderId: string, owner: string, current: Item | undefined) {
    const entry = entryIn(current);
    if (entry?.owner === owner && entry.refundRequested) await this.completeRefund(orderId, owner);
  }
}

/**
 * The order ledger named by the environment: table `ORDER_LEDGER_TABLE_NAME`, lease
 * `LEDGER_LEASE_SECONDS` (default 60: longer than a function runs), `LEDGER_VERIFY_DELAY_SECONDS`
 * (default 60: how long after a doubtful write the reconciler counts copies) and
 * `LEDGER_LOOKUP_LAG_SECONDS` (default 60: how far Partnero's look-up by key may lag behind its writes;
 * at most the verify delay).
 */
export function orderLedgerFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  client: Pick<DynamoDBClient, 'send'> = new DynamoDBClient({}),
): DynamoOrderLedger {
  return new DynamoOrderLedger({
    client,
    tableName: requiredEnv(env, 'ORDER_LEDGER_TABLE_NAME'),
    timings: {
      leaseMs: numberEnv(env, 'LEDGER_LEASE_SECONDS', 60) * 1000,
      verifyDelayMs: numberEnv(env, 'LEDGER_VERIFY_DELAY_SECONDS', 60) * 1000,
      lookupLagMs: numberEnv(env, 'LEDGER_LOOKUP_LAG_SECONDS', 60) * 1000,
    },
  });
}
