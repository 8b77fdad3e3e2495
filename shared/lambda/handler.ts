import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, type PublishableMetrics } from './runtime.js';

/** What one invocation hands its handler besides the event. */
export interface Invocation {
  context: Context;
  /** The absolute time (epoch ms) by which downstream calls must finish (`deadlineOf(context)`). */
  deadline: number;
}

/** Any function's dependencies: the metrics it counts into are published once per invocation. */
export interface HandlerDeps {
  metrics?: PublishableMetrics;
}

export type Handler<E, R, D> = (event: E, deps: D, invocation: Invocation) => Promise<R>;

/**
 * Wraps a function's handler with what every function shares: the Lambda context (function name,
 * request id) in every log line (Powertools `injectLambdaContext`), its dependencies resolved once per
 * invocation, the deadline of its downstream calls, and its metrics published once at the end, answered
 * or failed. A middy instance: HTTP routes add their own middleware (shared/http/route.ts).
 */
export function lambdaHandler<E, R, D extends object & HandlerDeps>(
  deps: () => D,
  handler: Handler<E, R, D>,
) {
  return middy<E, R>()
    .use(injectLambdaContext(logger))
    .handler(async (event, context) => {
      const resolved = deps();
      try {
        return await handler(event, resolved, { context, deadline: deadlineOf(context) });
      } finally {
        if (resolved.metrics) publishMetrics(resolved.metrics);
      }
    });
}

/**
 * Writes what this invocation counted as one EMF record. An invocation that counted nothing (a route
 * answering 4xx) writes nothing: Powertools would log "No application metrics to publish" each time.
 * Its dimensions are dropped all the same, so none carries over to the next invocation.
 */
function publishMetrics(metrics: PublishableMetrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  else metrics.clearDimensions();
}

/** Creates a value on first use, so importing a handler module has no side effects (tests, cold start). */
export function lazy<T>(create: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = create();
      made = true;
    }
    return value as T;
  };
}

/** Milliseconds to keep in reserve for answering after downstream calls give up. */
const RESPONSE_MARGIN_MS = 300;

/** The absolute time (epoch ms) by which downstream calls must finish, from the Lambda's remaining time. */
const deadlineOf = (context: Context) =>
  Date.now() + Math.max(0, context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS);
