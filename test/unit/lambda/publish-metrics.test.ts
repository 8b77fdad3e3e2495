import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, jest } from '@jest/globals';
import { publishMetrics } from '#shared/lambda/metrics.js';

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

describe('publishMetrics', () => {
  it('writes one EMF record with what the invocation counted', () => {
    const { metrics, records } = powertools();
    metrics.addMetric('Signups', 'Count', 1);
    publishMetrics(metrics);
    expect(records()).toHaveLength(1);
    expect(records()[0]).toMatchObject({ Signups: 1, service: 'svc' });
  });

  it('writes nothing and warns nothing when the invocation counted nothing (a 4xx)', () => {
    const { metrics, warn, records } = powertools();
    publishMetrics(metrics);
    expect(records()).toHaveLength(0);
    expect(warn).not.toHaveBeenCalled();
  });

  it('drops the dimensions of an invocation that counted nothing, so the next one does not inherit them', () => {
    const { metrics, records } = powertools();
    metrics.addDimension('outcome', 'attributed');
    publishMetrics(metrics);
    metrics.addMetric('Signups', 'Count', 1);
    publishMetrics(metrics);
    expect(records()).toHaveLength(1);
    expect(records()[0]).not.toHaveProperty('outcome');
  });
});
