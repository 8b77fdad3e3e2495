import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  abandonedClaim,
  type ClaimResult,
  type FinishResult,
  isRefused,
  type LedgerEntry,
  type LedgerTimings,
  type OrderLedger,
  type PartialRefundRegistration,
  type Settlement,
} from './ledger.js';
import {
  CHECK_GAP_FACTOR,
  claimItem,
  entryOf,
  type Item,
  quietAfter,
  SWEEP_SHARDS,
  type Timings,
  withDefaults,
} from './ledger-items.js';
import {
  adoptLateWriteWrite,
  holdsTrimWrite,
  markTrimmingWrite,
  postponeWrite,
  settleSweepWrite,
  settleVersionsWrite,
} from './ledger-sweep-writes.js';
import { LedgerTable } from './ledger-table.js';
import {
  completeRefundWrite,
  deferWrite,
  finishWrite,
  refundAmountOf,
  registerPartialRefundWrite,
  rejectWrite,
  releaseWrite,
  requestRefundWrite,
  takeOverWrite,
} from './ledger-writes.js';
import type { Order } from './order.js';

export { LEDGER_RETENTION_DAYS, SECOND_CHECK_FACTOR, SWEEP_INDEX, SWEEP_SHARDS } from './ledger-items.js';

export interface DynamoLedgerOptions {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  timings: LedgerTimings;
  now?: () => number;
}

/** A claim of an entry this holder already wrote (the SDK retried it): ours, but counted as a takeover. */
const ownClaim = (entry: LedgerEntry, owner: string, order: Order): ClaimResult | undefined =>
  entry.owner === owner && entry.state === 'claimed'
    ? { claimed: true, takeover: true, refundRequested: entry.refundRequested, order: entry.order ?? order }
    : undefined;

/** What a refused finish means: our own write the SDK retried after it landed, or a refund / lost claim. */
function refusedFinish(current: Item | undefined, settlement: Settlement): FinishResult {
  const entry = current ? entryOf(current) : undefined;
  if (entry && entry.state === settlement.state && !entry.owner && !entry.refundRequested)
    return { finished: true };
  return { finished: false, entry };
}

/** The order ledger in one DynamoDB table (infra/constructs/order-ledger-table.ts). */
export class DynamoOrderLedger implements OrderLedger {
  readonly now: () => number;
  private readonly table: LedgerTable;
  private readonly timings: Timings;

  constructor(options: DynamoLedgerOptions) {
    this.now = options.now ?? Date.now;
    this.table = new LedgerTable(options.client, options.tableName);
    this.timings = withDefaults(options.timings);
  }

  /**
   * Claims `order` for `owner`. The common case (an order never seen) is one PutItem if absent; an entry
   * that exists answers with itself, and only a claimable one (refused, or claimed with its lease run
   * out) costs a second write, the takeover.
   */
  async claim(order: Order, owner: string): Promise<ClaimResult> {
    const now = this.now();
    const lease = now + this.timings.leaseMs;
    const existing = await this.table.putIfAbsent(claimItem(order, owner, now, lease));
    if (existing === undefined) return { claimed: true, takeover: false, refundRequested: false, order };
    const entry = entryOf(existing);
    const own = ownClaim(entry, owner, order);
    if (own) return own;
    const claimable = isRefused(entry) || abandonedClaim(entry, now);
    if (!claimable) return { claimed: false, entry };
    return this.takeOver(order, owner, now, lease, isRefused(entry) && !entry.doubt);
  }

  /** `corrected`: a refusal without doubt, whose fields this order replaces (see `takeOverWrite`). */
  private async takeOver(
    order: Order,
    owner: string,
    now: number,
    lease: number,
    corrected: boolean,
  ): Promise<ClaimResult> {
    const write = takeOverWrite(order, owner, now, lease, corrected);
    const result = await this.table.update(order.orderId, write, true);
    if (result.ok) {
      const old = result.old ? entryOf(result.old) : undefined;
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
    const entry = result.current ? entryOf(result.current) : undefined;
    if (!entry) throw new Error(`The ledger lost order ${order.orderId} while it was being claimed`);
    return ownClaim(entry, owner, order) ?? { claimed: false, entry };
  }

  get lookupLagMs(): number {
    return this.timings.lookupLagMs;
  }

  get recheckMs(): number {
    return this.timings.verifyDelayMs * CHECK_GAP_FACTOR;
  }

  async finish(orderId: string, owner: string, settlement: Settlement): Promise<FinishResult> {
    const result = await this.table.update(orderId, finishWrite(settlement, owner, this.now(), this.timings));
    return result.ok ? { finished: true } : refusedFinish(result.current, settlement);
  }

  /**
   * Settles several claims in one TransactWriteItems (one round trip instead of one per order). When the
   * transaction is cancelled (a refund arrived for one of them, a conflict), nothing was written and each
   * is settled on its own.
   */
  async finishAll(
    owner: string,
    settlements: { orderId: string; settlement: Settlement }[],
  ): Promise<FinishResult[]> {
    if (settlements.length < 2 || settlements.length > 100) {
      return Promise.all(
        settlements.map(({ orderId, settlement }) => this.finish(orderId, owner, settlement)),
      );
    }
    const now = this.now();
    const results = await this.table.transact(
      settlements.map(({ orderId, settlement }) => ({
        orderId,
        write: finishWrite(settlement, owner, now, this.timings),
      })),
    );
    return Promise.all(
      settlements.map(({ orderId, settlement }, i) => {
        const result = results[i];
        if (result?.ok === true) return { finished: true };
        if (result?.ok === false) return refusedFinish(result.current, settlement);
        return this.finish(orderId, owner, settlement);
      }),
    );
  }

  async release(orderId: string, owner: string, options?: { sentBy?: number; failures?: number }) {
    await this.table.update(orderId, releaseWrite(owner, this.now(), this.timings, options));
  }

  async reject(orderId: string, owner: string, rejection: { reason: string; doubt: boolean }): Promise<void> {
    const result = await this.table.update(orderId, rejectWrite(rejection, owner, this.now(), this.timings));
    if (!result.ok) await this.refusedWhileRefunding(orderId, owner, result.current);
  }

  async defer(
    orderId: string,
    owner: string,
    deferral: { reason: string; doubt: boolean; failures: number; parkable: boolean },
  ): Promise<'deferred' | 'parked' | undefined> {
    const { write, state } = deferWrite(deferral, owner, this.now(), this.timings);
    const result = await this.table.update(orderId, write);
    if (result.ok) return state;
    await this.refusedWhileRefunding(orderId, owner, result.current);
    return undefined;
  }

  /** A refund arrived for an order that was never recorded: it ends refunded (a late copy is still looked for). */
  private async refusedWhileRefunding(orderId: string, owner: string, current: Item | undefined) {
    const entry = current ? entryOf(current) : undefined;
    if (entry?.owner === owner && entry.refundRequested) await this.completeRefund(orderId, owner);
  }

  async requestRefund(orderId: string): Promise<LedgerEntry | undefined> {
    const result = await this.table.update(
      orderId,
      requestRefundWrite(orderId, this.now(), this.timings),
      true,
    );
    return result.ok && result.old ? entryOf(result.old) : undefined;
  }

  async registerPartialRefund(
    orderId: string,
    refundId: string,
    amount: number,
  ): Promise<PartialRefundRegistration> {
    const write = registerPartialRefundWrite(orderId, { refundId, amount }, this.now(), this.timings);
    const result = await this.table.update(orderId, write, true);
    if (!result.ok) {
      const current = result.current;
      const duplicate = current?.refundIds?.SS?.includes(refundId) === true;
      // Seen with another amount: the same id cannot be two refunds. (An entry written before amounts
      // were kept knows only the id: a duplicate.)
      const amounts = current?.refundAmounts?.SS;
      const conflict =
        duplicate && amounts !== undefined && !amounts.includes(refundAmountOf({ refundId, amount }));
      return { registered: false, duplicate, conflict, entry: current ? entryOf(current) : undefined };
    }
    // What the write made of the entry it found (ALL_OLD, which the refused case shares).
    const old = entryOf(result.old ?? {});
    const entry: LedgerEntry = {
      ...old,
      refundedTotal: (old.refundedTotal ?? 0) + amount,
      version: (old.version ?? 0) + 1,
    };
    return { registered: true, entry };
  }

  async settleVersions(orderId: string, version: number): Promise<void> {
    const now = this.now();
    const latest = await this.table.update(orderId, settleVersionsWrite(version, now, this.timings, true));
    if (!latest.ok) await this.table.update(orderId, settleVersionsWrite(version, now, this.timings, false));
  }

  async completeRefund(orderId: string, owner?: string, reversed = false): Promise<void> {
    await this.table.update(orderId, completeRefundWrite(orderId, owner, this.now(), this.timings, reversed));
  }

  async due(limit: number): Promise<LedgerEntry[]> {
    const now = this.now();
    const shards = Array.from({ length: SWEEP_SHARDS }, (_, i) => `sweep#${i}`);
    const pages = await Promise.all(shards.map((shard) => this.table.due(shard, now, limit)));
    return pages
      .flat()
      .map(entryOf)
      .sort((a, b) => (a.sweepAt ?? 0) - (b.sweepAt ?? 0))
      .slice(0, limit);
  }

  async settleSweep(seen: LedgerEntry, options: { again?: boolean; waitUntil?: number } = {}) {
    await this.table.update(
      seen.orderId,
      settleSweepWrite(seen, this.now(), this.timings, {
        wrote: options.again === true,
        ...(options.waitUntil === undefined ? {} : { waitUntil: options.waitUntil }),
      }),
    );
  }

  async postpone(seen: LedgerEntry): Promise<void> {
    await this.table.update(seen.orderId, postponeWrite(seen, this.now(), this.timings));
  }

  async markTrimming(seen: LedgerEntry, trimmer: string): Promise<LedgerEntry | undefined> {
    const until = this.now() + this.timings.leaseMs;
    // Every DELETE or POST of this trim is sent before its lease ends.
    const quietAt = Math.max(quietAfter(until, this.timings), seen.trimQuietAt ?? 0);
    const result = await this.table.update(seen.orderId, markTrimmingWrite(seen, trimmer, until, quietAt));
    return result.ok ? { ...seen, trimming: true, trimmer, sweepAt: until, trimQuietAt: quietAt } : undefined;
  }

  async holdsTrim(trim: LedgerEntry): Promise<{ holds: true } | { holds: false; entry?: LedgerEntry }> {
    const result = await this.table.update(trim.orderId, holdsTrimWrite(trim));
    if (result.ok) return { holds: true };
    return result.current ? { holds: false, entry: entryOf(result.current) } : { holds: false };
  }

  async adoptLateWrite(seen: LedgerEntry, reward: number): Promise<void> {
    await this.table.update(seen.orderId, adoptLateWriteWrite(seen, reward, this.now(), this.timings));
  }
}
