import { Duration } from 'aws-cdk-lib';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { withDisposableEmailList } from '#infra/bundling.js';
import { type EntryName, entryPath, FUNCTION_TIMEOUT_SECONDS } from '#infra/entries.js';
import { type Route, routeKeyOf, routeOf } from '#infra/routes.js';
import { IDEMPOTENCY_KEY_PREFIXES, type IdempotencyTable } from './idempotency-table.js';
import type { OrderLedgerTable } from './order-ledger-table.js';
import { ReferralFunction, type ReferralFunctionDefaults } from './referral-function.js';
import type { ReferralKeys } from './referral-keys.js';

/** The functions behind the HTTP routes of infra/routes.ts (all but the webhook's). */
export interface RouteFunctions {
  readonly signup: ReferralFunction;
  readonly me: ReferralFunction;
  readonly createTransactions: ReferralFunction;
  readonly refundTransaction: ReferralFunction;
  readonly creditCustomer: ReferralFunction;
}

/** What the route functions are made from (a subset of ReferralApiProps). */
export interface RouteFunctionsProps {
  readonly functionsDir: string;
  readonly functionDefaults: ReferralFunctionDefaults;
  readonly partneroSecret: ISecret;
  readonly idempotencyTable: IdempotencyTable;
  readonly orderLedger: OrderLedgerTable;
  readonly referralKeys: ReferralKeys;
  readonly customerKeyClaim?: string;
  readonly requiredTokenUse?: string;
  readonly blockDisposableEmails?: boolean;
  readonly referralCookieDomain?: string;
  readonly functionTimeout?: Duration;
}

/**
 * One function per route, made in `scope` (the API), each with only the variables and grants its code
 * uses: the Partnero secret; the order ledger for the transaction routes, the idempotency table (credit
 * records only) for the credit route.
 */
export function createRouteFunctions(scope: Construct, props: RouteFunctionsProps): RouteFunctions {
  const timeout = props.functionTimeout ?? Duration.seconds(FUNCTION_TIMEOUT_SECONDS.route);
  const routeFunction = (
    fnId: string,
    entry: EntryName,
    env: Record<string, string> = {},
    bundling?: BundlingOptions,
  ) => {
    const route = routeOf(entry as Route['entry']);
    const fn = new ReferralFunction(scope, fnId, {
      ...props.functionDefaults,
      ...(bundling ? { bundling } : {}),
      entry: entryPath(props.functionsDir, entry),
      description: routeKeyOf(route),
      timeout,
      environment: env,
    });
    fn.grantSecretRead(props.partneroSecret);
    return fn;
  };
  // Who the caller is: the key claim, and (on the stack's Cognito pool) ID tokens only.
  const identity: Record<string, string> = {
    CUSTOMER_KEY_CLAIM: props.customerKeyClaim ?? 'sub',
    ...(props.requiredTokenUse ? { REQUIRED_TOKEN_USE: props.requiredTokenUse } : {}),
  };
  const ledger = {
    ORDER_LEDGER_TABLE_NAME: props.orderLedger.table.tableName,
    // A claim outlives the function that holds it: no one takes over while it may still send.
    LEDGER_LEASE_SECONDS: String(timeout.toSeconds() + 30),
  };
  const signup: Record<string, string> = {
    ...identity,
    ...props.referralKeys.environment(true),
    BLOCK_DISPOSABLE_EMAILS: String(props.blockDisposableEmails ?? false),
    ...(props.referralCookieDomain ? { REFERRAL_COOKIE_DOMAIN: props.referralCookieDomain } : {}),
  };
  const functions = {
    signup: routeFunction(
      'Signup',
      'signup',
      signup,
      props.blockDisposableEmails ? withDisposableEmailList() : undefined,
    ),
    me: routeFunction('Me', 'me', { ...identity, ...props.referralKeys.environment(false) }),
    createTransactions: routeFunction('CreateTransactions', 'createTransactions', ledger),
    refundTransaction: routeFunction('RefundTransaction', 'refundTransaction', ledger),
    creditCustomer: routeFunction('CreditCustomer', 'creditCustomer', {
      IDEMPOTENCY_TABLE_NAME: props.idempotencyTable.table.tableName,
    }),
  };
  props.idempotencyTable.grantUse(functions.creditCustomer.function, IDEMPOTENCY_KEY_PREFIXES.credit);
  props.referralKeys.grantEnrol(functions.signup.function);
  props.referralKeys.grantRead(functions.me.function);
  props.orderLedger.grantUse(functions.createTransactions.function);
  props.orderLedger.grantUse(functions.refundTransaction.function);
  return functions;
}
