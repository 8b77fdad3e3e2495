/**
 * The part of autocannon's API the load test uses (autocannon ships no types; `@types/autocannon` lags
 * behind its major versions). See node_modules/autocannon/README.md.
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    /** One request template; `setupRequest` runs before every request that uses it. */
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /** Returns the request to send (a falsy value makes autocannon restart the sequence). */
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request | null | undefined;
      onResponse?: (
        status: number,
        body: string,
        context: Record<string, unknown>,
        headers: Record<string, string>,
      ) => void;
    }

    interface Options {
      url: string;
      /** Concurrent connections. @default 10 */
      connections?: number;
      /** Requests to make in all; when set, `duration` is ignored. */
      amount?: number;
      /** Seconds. @default 10 */
      duration?: number;
      /** Requests in flight per connection. @default 1 */
      pipelining?: number;
      /** Seconds before a request counts as timed out. @default 10 */
      timeout?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      requests?: Request[];
      /** Worker threads; closures (`setupRequest`, `onResponse`) need none. */
      workers?: number;
    }

    /** Percentiles of a histogram (`p2_5` is the 2.5th, `p97_5` the 97.5th). */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p97_5: number;
      p99: number;
      p99_9: number;
    }

    interface Result {
      duration: number;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      resets: number;
      '1xx': number;
      '2xx': number;
      '3xx': number;
      '4xx': number;
      '5xx': number;
      statusCodeStats: Record<string, { count: number }>;
      latency: Histogram & { totalCount: number };
      requests: Histogram & { sent: number };
      throughput: Histogram;
    }

    /** The running test: events (`response`, `reqError`, `done`) and a promise of the result. */
    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
