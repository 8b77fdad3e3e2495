/** The options of `npm run bench` (bench/run.ts) and what each mode does by default. */

export interface Settings {
  mode: 'full' | 'quick';
  /** Only these flows (`--flows=credit,signup`); all when empty. */
  flows: string[];
  coldRuns: number;
  coldWarmup: boolean;
  warmInvocations: number;
  warmup: number;
  chunk: number;
  fanout: number;
  orderMessages: number;
  /** Seconds each cell of the throughput grid runs for, about (`--throughput-seconds=N`). */
  throughputSeconds: number;
}

export function settingsFrom(argv: readonly string[]): Settings & { write: boolean } {
  const quick = argv.includes('--quick');
  const number = (name: string, fallback: number) => {
    const arg = argv.find((a) => a.startsWith(`--${name}=`));
    const value = arg ? Number(arg.slice(name.length + 3)) : fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  return {
    mode: quick ? 'quick' : 'full',
    coldRuns: number('cold-runs', quick ? 3 : 20),
    warmInvocations: number('warm', quick ? 150 : 2000),
    warmup: quick ? 20 : 100,
    // One unrecorded start per bundle first (file into the page cache); CI's quick run skips it.
    coldWarmup: !quick,
    chunk: quick ? 50 : 250,
    fanout: quick ? 8 : 30,
    orderMessages: number('events', quick ? 1000 : 10_000),
    throughputSeconds: number('throughput-seconds', quick ? 2 : 8),
    flows:
      argv
        .find((a) => a.startsWith('--flows='))
        ?.slice('--flows='.length)
        .split(',') ?? [],
    write: !argv.includes('--no-write'),
  };
}
