import { randomUUID } from 'node:crypto';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { invocationScope } from './aws/call-recording.js';
import { LOCAL_ACCOUNT_ID, STACK_DEFAULTS } from './config.js';

/** A Lambda handler as the entry files export it (middy handlers take the event and a context). */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

interface LocalFunction {
  /** Function name in logs and the Lambda context. */
  name: string;
  timeoutSeconds: number;
  /** The entry module of docs/runtime-contract.md, imported on first use (as a Lambda cold start). */
  load: () => Promise<{ handler: unknown }>;
}

const route = STACK_DEFAULTS.routeTimeoutSeconds;

/** Every Lambda entry, with the timeout the stack gives it. */
export const LOCAL_FUNCTIONS = {
  signup: { name: 'signup', timeoutSeconds: route, load: () => import('#functions/signup.js') },
  me: { name: 'me', timeoutSeconds: route, load: () => import('#functions/me.js') },
  createTransactions: {
    name: 'create-transactions',
    timeoutSeconds: route,
    load: () => import('#functions/create-transactions.js'),
  },
  refundTransaction: {
    name: 'refund-transaction',
    timeoutSeconds: route,
    load: () => import('#functions/refund-transaction.js'),
  },
  creditCustomer: {
    name: 'credit-customer',
    timeoutSeconds: route,
    load: () => import('#functions/credit-customer.js'),
  },
  orderConsumer: {
    name: 'order-consumer',
    timeoutSeconds: STACK_DEFAULTS.orderEvents.consumerTimeoutSeconds,
    load: () => import('#functions/order-consumer.js'),
  },
  partneroWebhook: {
    name: 'partnero-webhook',
    timeoutSeconds: STACK_DEFAULTS.webhookTimeoutSeconds,
    load: () => import('#functions/partnero-webhook.js'),
  },
  reconciler: {
    name: 'reconciler',
    timeoutSeconds: STACK_DEFAULTS.reconcilerTimeoutSeconds,
    load: () => import('#functions/reconciler.js'),
  },
} satisfies Record<string, LocalFunction>;

export type FunctionName = keyof typeof LOCAL_FUNCTIONS;

/** Raised when an invocation fails as Lambda would report it (an unhandled error or a timeout). */
export class InvocationError extends Error {
  override readonly name = 'InvocationError';
  constructor(
    readonly kind: 'error' | 'timeout',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function lambdaContext(functionName: string, timeoutMs: number, region: string): Context {
  const deadline = Date.now() + timeoutMs;
  const fullName = `referrals-local-${functionName}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: fullName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${fullName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fullName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const loaded = new Map<FunctionName, Promise<LambdaHandler>>();

/**
 * The functions share this process, and so the one logger of shared/lambda/runtime.ts (and Powertools'
 * other per-invocation state): with several invocations at once, each would log with whichever Lambda context
 * was added last. Lambda runs concurrent invocations in one process the same way on Managed Instances:
 * there `AWS_LAMBDA_MAX_CONCURRENCY` is set and each invocation runs in its own `InvokeStore` scope
 * (an AsyncLocalStorage), where Powertools keeps the context, keys and log level. So does this process.
 */
let invocationRuntime: Promise<InvocationRuntime> | undefined;

interface InvocationRuntime {
  /** null when something in this process set the store up for one invocation at a time before us. */
  store: InvokeStoreBase | null;
  /** Imported on first use, as the handlers import it: after the functions' environment is set. */
  logger: Pick<Logger, 'addContext'>;
}

function invocationRuntimeOnce(): Promise<InvocationRuntime> {
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ||= '64';
  invocationRuntime ??= (async () => {
    const store = await InvokeStore.getInstanceAsync(true);
    if (store.constructor.name !== 'InvokeStoreMulti') {
      // Powertools was loaded in this process before (a test that also imports the handlers directly):
      // the store keeps one invocation at a time, so logs fall back to the last context added.
      const { logger } = await import('#shared/lambda/runtime.js');
      return { store: null, logger };
    }
    // Module code runs in a scope of its own, as Lambda's init phase: Powertools keeps what its
    // constructors set there, and refuses to run outside any scope.
    const { logger } = await store.run({}, () => import('#shared/lambda/runtime.js'));
    return { store, logger };
  })();
  invocationRuntime.catch(() => {
    invocationRuntime = undefined;
  });
  return invocationRuntime;
}

/**
 * Runs `fn` as one invocation: its own InvokeStore scope carrying the request id, its logs carrying the
 * function's name and request id from `context` (Powertools `addContext`, as the handlers' middleware
 * also does), and its AWS calls recorded as the function's (local/aws/call-recording.ts).
 */
async function inInvocationScope<T>(name: FunctionName, context: Context, fn: () => Promise<T>): Promise<T> {
  const { store, logger } = await invocationRuntimeOnce();
  const invoke = () =>
    invocationScope.run(name, () => {
      logger.addContext(context);
      return fn();
    });
  return store
    ? store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, invoke)
    : invoke();
}

async function loadHandler(name: FunctionName): Promise<LambdaHandler> {
  const { store } = await invocationRuntimeOnce();
  const load = () => LOCAL_FUNCTIONS[name].load();
  const mod = await (store ? store.run({}, load) : load());
  if (typeof mod.handler !== 'function')
    throw new Error(`functions/${LOCAL_FUNCTIONS[name].name}.ts exports no handler`);
  return mod.handler as LambdaHandler;
}

/**
 * Invokes a function as Lambda would: one module instance per process (a warm container), a context
 * whose remaining time counts down from the function's timeout, and a timeout that fails the call
 * (the handler's promise is then abandoned, as Lambda freezes it).
 */
export async function invokeFunction(name: FunctionName, event: unknown, region: string): Promise<unknown> {
  const fn = LOCAL_FUNCTIONS[name];
  let handler = loaded.get(name);
  if (!handler) {
    handler = loadHandler(name);
    loaded.set(name, handler);
    handler.catch(() => loaded.delete(name));
  }
  const timeoutMs = fn.timeoutSeconds * 1000;
  const context = lambdaContext(fn.name, timeoutMs, region);
  const fnHandler = await handler;
  const run = inInvocationScope(name, context, () => Promise.resolve().then(() => fnHandler(event, context)));
  // After a timeout nobody awaits `run`; its late failure must not become an unhandled rejection.
  run.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new InvocationError('timeout', `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run, timeout]);
  } catch (e) {
    if (e instanceof InvocationError) throw e;
    throw new InvocationError('error', e instanceof Error ? `${e.name}: ${e.message}` : String(e), {
      cause: e,
    });
  } finally {
    clearTimeout(timer);
  }
}
