/** The Partnero client: its endpoints, its errors, its types and its default transport. */
export type { CustomersApi, PartneroClient, TransactionsApi } from './client.js';
export { createPartneroClient } from './client.js';
export type { PartneroErrorCode } from './errors.js';
export { isPartneroError, PartneroError } from './errors.js';
export { nodeHttpTransport, partneroHttpHandler } from './transport.js';
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
  PartneroFetch,
  PartneroLimiterHook,
  PartneroRequestInit,
  PartneroResponse,
  ReferringCustomerRef,
  RequestInfo,
  Reward,
  Transaction,
  TransactionCustomer,
  TransactionItem,
  UpdateCustomerInput,
} from './types.js';
