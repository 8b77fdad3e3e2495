/** What every measurement of bench/run.ts works with: the settings, the endpoints, the fixture, the log. */
import { join } from 'node:path';
import { OUT_DIR, type Variant } from '#bench/build.js';
import type { Endpoints } from './children.js';
import type { Fixture } from './fixture.js';
import type { Flow } from './flows.js';
import type { LocalAws } from './local-aws.js';
import type { Settings } from './settings.js';

export interface Context {
  settings: Settings;
  endpoints: Endpoints;
  fixture: Fixture;
  aws: LocalAws;
  sandboxApiKey: string;
  /** Crashed runs and failed correctness checks; any makes the run exit non-zero. */
  failures: string[];
}

/** [a, b, c] rotated by n: interleaving order changes every round, so no variant always goes first. */
export const rotated = <T>(list: readonly T[], n: number): T[] =>
  list.map((_, i) => list[(i + n) % list.length] as T);

export const bundlePath = (variant: Variant, name: string) =>
  join(OUT_DIR, 'bundles', variant, `${name}.mjs`);
export const functionNameOf = (flow: Flow, variant: Variant) => `bench-${variant}-${flow.bundles[variant]}`;

const startedAt = Date.now();
/** Progress on stderr, stamped with the seconds since the harness started. */
export const log = (message: string) =>
  process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
