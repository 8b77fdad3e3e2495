export { type Order, type OrderOutcome, orderSchema, type RefundOutcome } from './order.js';
export { outcomesToResponse } from './outcome-response.js';
export { recordOrders, refundOrder } from './record-orders.js';
export {
  DynamoRefundLedger,
  LEDGER_TTL_SECONDS,
  memoryRefundLedger,
  type RefundLedger,
} from './refund-ledger.js';
export { refundLedgerFromEnv } from './refund-ledger-env.js';
