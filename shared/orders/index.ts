export { type Order, type OrderOutcome, orderSchema, type RefundOutcome } from './order.js';
export { outcomesToResponse } from './outcome-response.js';
export { recordOrders, refundOrder } from './record-orders.js';
