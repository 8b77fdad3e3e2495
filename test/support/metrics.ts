import type { Metrics } from '@aws-lambda-powertools/metrics';

/** One metric a flow added: its name, value and the extra dimensions it carried. */
export interface RecordedMetric {
  name: string;
  value: number;
  dimensions: Record<string, string>;
}

/**
 * A stand-in for Powertools Metrics that remembers what was added (and published), so a test asserts
 * the counts a dashboard would show without parsing EMF from stdout.
 */
export function recordingMetrics() {
  const added: RecordedMetric[] = [];
  let publishes = 0;
  /** Metrics of the main instance added since its last publish (single metrics are written at once). */
  let stored = 0;
  const scoped = (dimensions: Record<string, string>, main: boolean) => ({
    addDimension: (name: string, value: string) => {
      dimensions[name] = value;
    },
    addMetric: (name: string, _unit: unknown, value: number) => {
      added.push({ name, value, dimensions: { ...dimensions } });
      if (main) stored += 1;
    },
  });
  // As in Powertools, the main instance's dimensions last until its metrics are published.
  const mainDimensions: Record<string, string> = {};
  const clearDimensions = () => {
    for (const key of Object.keys(mainDimensions)) delete mainDimensions[key];
  };
  const metrics = {
    ...scoped(mainDimensions, true),
    singleMetric: () => scoped({}, false),
    hasStoredMetrics: () => stored > 0,
    clearDimensions,
    publishStoredMetrics: () => {
      publishes += 1;
      stored = 0;
      clearDimensions();
    },
  } as unknown as Metrics;
  /** The sum of `name`, optionally only where `dimension` has `value` (undefined: without dimensions). */
  const count = (name: string, dimension?: [string, string]) =>
    added
      .filter((m) => m.name === name)
      .filter((m) =>
        dimension ? m.dimensions[dimension[0]] === dimension[1] : Object.keys(m.dimensions).length === 0,
      )
      .reduce((sum, m) => sum + m.value, 0);
  return {
    metrics,
    added,
    count,
    publishes: () => publishes,
    clear: () => {
      added.length = 0;
      publishes = 0;
      stored = 0;
    },
  };
}
