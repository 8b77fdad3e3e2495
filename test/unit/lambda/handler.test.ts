import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, jest } from '@jest/globals';
import { lambdaHandler, lazy } from '#lambda';
import { logger } from '#shared/lambda/runtime.js';
import { lambdaContext } from '#test/support/events.js';

/** Real Powertools Metrics, its EMF output and its warnings captured. */
function powertools() {
  const warn = jest.fn();
  // The suite turns EMF off (test/support/setup-env.ts); this instance writes, as on Lambda.
  const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const metrics = new Metrics({
    namespace: 'Test',
    serviceName: 'svc',
    logger: { warn, info: jest.fn(), error: jest.fn(), debug: jest.fn() },
  });
  if (disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = disabled;
  const lines: string[] = [];
  const console = (metrics as unknown as { console: { log: (line: string) => void } }).console;
  jest.spyOn(console, 'log').mockImplementation((line: string) => {
    lines.push(line);
  });
  return { metrics, warn, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('lambdaHandler: metrics', () => {
  it('writes one EMF record with what the invocation counted', async () => {
    const { metrics, records } = powertools();
    const handler = lambdaHandler(
      () => ({ metrics }),
      async (_event: unknown, deps) => {
        deps.metrics.addMetric('Signups', 'Count', 1);
        deps.metrics.addMetric('Signups', 'Count', 1);
        return 'ok';
      },
    );
    expect(await handler({}, lambdaContext())).toBe('ok');
    expect(records()).toHaveLength(1);
    expect(records()[0]).toMatchObject({ Signups: [1, 1], service: 'svc' });
  });

  it('publishes what a failing invocation counted before it threw, and the error still fails it', async () => {
    const { metrics, records } = powertools();
    const handler = lambdaHandler(
      () => ({ metrics }),
      async (_event: unknown, deps) => {
        deps.metrics.addMetric('WebhookDeliveries', 'Count', 1);
        throw new Error('boom');
      },
    );
    await expect(handler({}, lambdaContext())).rejects.toThrow('boom');
    expect(records()).toHaveLength(1);
    expect(records()[0]).toMatchObject({ WebhookDeliveries: 1 });
  });

  it('writes nothing and warns nothing when the invocation counted nothing (a 4xx)', async () => {
    const { metrics, warn, records } = powertools();
    const handler = lambdaHandler(
      () => ({ metrics }),
      async () => 'nothing counted',
    );
    await handler({}, lambdaContext());
    expect(records()).toHaveLength(0);
    expect(warn).not.toHaveBeenCalled();
  });

  it('drops the dimensions of an invocation that counted nothing, so the next one does not inherit them', async () => {
    const { metrics, records } = powertools();
    let count = false;
    const handler = lambdaHandler(
      () => ({ metrics }),
      async () => {
        if (count) metrics.addMetric('Signups', 'Count', 1);
        else metrics.addDimension('outcome', 'attributed');
      },
    );
    await handler({}, lambdaContext());
    count = true;
    await handler({}, lambdaContext());
    expect(records()).toHaveLength(1);
    expect(records()[0]).not.toHaveProperty('outcome');
  });

  it('runs a function without metrics', async () => {
    const handler = lambdaHandler(
      () => ({ name: 'no metrics' }),
      async (_event: unknown, deps) => deps.name,
    );
    expect(await handler({}, lambdaContext())).toBe('no metrics');
  });
});

describe('lambdaHandler: invocation', () => {
  it('hands the handler its deadline: the remaining time less a margin for answering', async () => {
    const handler = lambdaHandler(
      () => ({}),
      async (_event: unknown, _deps, { deadline, context }) => ({ deadline, context }),
    );
    const context = lambdaContext(10_000);
    const before = Date.now();
    const { deadline, context: seen } = await handler({}, context);
    expect(seen).toBe(context);
    expect(deadline).toBeGreaterThan(before + 9_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 10_000 - 300);
  });

  it('never hands a deadline in the past when no time is left', async () => {
    const handler = lambdaHandler(
      () => ({}),
      async (_event: unknown, _deps, { deadline }) => deadline,
    );
    const before = Date.now();
    expect(await handler({}, lambdaContext(0))).toBeGreaterThanOrEqual(before);
  });

  it("logs with the function's name and request id (Powertools injectLambdaContext)", async () => {
    const lines: Record<string, unknown>[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => {
      for (const line of String(chunk).split('\n')) if (line.startsWith('{')) lines.push(JSON.parse(line));
      return true;
    }) as typeof process.stdout.write);
    const level = logger.getLevelName();
    const handler = lambdaHandler(
      () => ({}),
      async () => {
        // The suite's logger is silent; this line is written.
        logger.setLogLevel('INFO');
        logger.info('at work');
        logger.setLogLevel(level);
      },
    );
    const context = { ...lambdaContext(), functionName: 'referrals-signup' };
    try {
      await handler({}, context);
    } finally {
      spy.mockRestore();
    }
    expect(lines.find((line) => line.message === 'at work')).toMatchObject({
      function_name: 'referrals-signup',
      function_request_id: context.awsRequestId,
    });
  });

  it('resolves its dependencies once per invocation, so a lazy factory runs once per container', async () => {
    const create = jest.fn(() => ({}));
    const handler = lambdaHandler(lazy(create), async () => 'ok');
    await handler({}, lambdaContext());
    await handler({}, lambdaContext());
    expect(create).toHaveBeenCalledTimes(1);
  });
});
