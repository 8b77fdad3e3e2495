export {
  type DynamoLedgerOptions,
  DynamoOrderLedger,
  LEDGER_RETENTION_DAYS,
  SWEEP_INDEX,
  SWEEP_SHARDS,
} from './dynamo-ledger.js';
export type {
  ClaimResult,
  FinishResult,
  LedgerEntry,
  LedgerState,
  LedgerTimings,
  OrderLedger,
  PartialRefundRegistration,
  Settlement,
} from './ledger.js';
export { orderLedgerFromEnv } from './ledger-env.js';
export { type Order, type OrderOutcome, orderSchema, type RefundOutcome } from './order.js';
export { applyVersion, type RefundPart, refundPart } from './partial-refund.js';
export { type ReconcileDeps, type ReconcileResult, type RepairReason, reconcile } from './reconcile.js';
export { type OrderDeps, recordOrders } from './record-orders.js';
export { type RefundDeps, refundOrder } from './refund-order.js';
export { versionKey } from './versions.js';
