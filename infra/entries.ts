/**
 * Where the Lambda entry points live. `infra/` references `functions/` by path only
 * (docs/runtime-contract.md lists each file, its trigger and the variables it reads).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root: holds package.json and package-lock.json (NodejsFunction `projectRoot`). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Default directory of the entry files. */
export const DEFAULT_FUNCTIONS_DIR = join(PROJECT_ROOT, 'functions');

/** One file per Lambda function, named as in docs/runtime-contract.md. */
export const ENTRY_FILES = {
  signup: 'signup.ts',
  me: 'me.ts',
  createTransactions: 'create-transactions.ts',
  refundTransaction: 'refund-transaction.ts',
  creditCustomer: 'credit-customer.ts',
  orderConsumer: 'order-consumer.ts',
  partneroWebhook: 'partnero-webhook.ts',
  reconciler: 'reconciler.ts',
} as const;

export type EntryName = keyof typeof ENTRY_FILES;

/** Absolute path of an entry inside `functionsDir`. */
export const entryPath = (functionsDir: string, name: EntryName): string =>
  join(functionsDir, ENTRY_FILES[name]);

/** Timeouts of the functions whose timeout is not configuration (the consumer's is `orderEvents.consumerTimeoutSeconds`). */
export const FUNCTION_TIMEOUT_SECONDS = {
  /** Every HTTP route but the webhook. */
  route: 10,
  /** Partnero waits 5 s for an answer, so the function answers before that. */
  webhook: 5,
  /** One reconciler sweep. */
  reconciler: 120,
} as const;
