export type { CustomersApi, PartneroClient, TransactionsApi } from './client.js';
export { createPartneroClient } from './client.js';
export type { PartneroErrorCode } from './errors.js';
export { isPartneroError, PartneroError } from './errors.js';
export type { PartneroFetch, PartneroRequestInit, PartneroResponse } from './node-transport.js';
export { IDLE_SOCKET_MS, nodeHttpTransport, partneroHttpHandler } from './node-transport.js';
export type {
  ApiKeySource,
  Balance,
  BalanceUnit,
  CallOptions,
  CreateCustomerInput,
  CreateTransactionBatchInput,
  CreateTransactionInput,
  CreditBalanceInput,
  Customer,
  CustomerRef,
  CustomerStats,
  CustomerStatus,
  ListCustomersQuery,
  ListTransactionsQuery,
  Page,
  PageLinks,
  PageMeta,
  PageQuery,
  PartneroClientOptions,
  ReferringCustomerRef,
  RequestInfo,
  Reward,
  Transaction,
  TransactionCustomer,
  TransactionItem,
  UpdateCustomerInput,
} from './types.js';
