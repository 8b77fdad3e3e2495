import { seededRandom } from '#local/random.js';
/**
 * Fault injection for tests: DynamoDB answers that production code must survive.
 * - `throttle`: 400 ProvisionedThroughputExceededException, nothing applied (the SDK retries it).
 * - `internal`: 500 InternalServerError, nothing applied.
 * - `commit-then-fail`: the call IS applied, then answered with a 500. The SDK retries, so a
 *   conditional write can fail on its own first attempt: callers must recognise "my write already
 *   happened".
 */
import { internalServerError, throttled } from './errors.js';

export type FaultKind = 'throttle' | 'internal' | 'commit-then-fail';

export interface FaultRule {
  /** Chance (0..1) that a matching call fails. */
  rate: number;
  /** One is picked at random for each failing call. */
  kinds: FaultKind[];
  /** Operation names (e.g. `PutItem`); all when absent. */
  operations?: string[];
  /** Table names; all when absent. A batch matches when one of its tables does. */
  tables?: string[];
  /** Faults to inject before the rule goes away; unlimited when absent. */
  count?: number;
}

export interface InjectedFault {
  operation: string;
  tables: string[];
  kind: FaultKind;
}

export { seededRandom } from '#local/random.js';

export class Faults {
  private rule: FaultRule | undefined;
  private remaining = Infinity;
  /** Every fault injected since the last `clear()`, in order. */
  readonly injected: InjectedFault[] = [];

  constructor(private random: () => number = Math.random) {}

  /** Restarts the fault choices from `seed`, so a run can be replayed exactly. */
  reseed(seed: number): void {
    this.random = seededRandom(seed);
  }

  set(rule: FaultRule): void {
    if (!(rule.rate >= 0 && rule.rate <= 1)) throw new RangeError('rate must be between 0 and 1');
    if (rule.kinds.length === 0) throw new RangeError('kinds must name at least one fault kind');
    this.rule = { ...rule, kinds: [...rule.kinds] };
    this.remaining = rule.count ?? Infinity;
  }

  clear(): void {
    this.rule = undefined;
    this.injected.length = 0;
  }

  /** The fault for this call, if one is due. */
  pick(operation: string, tables: readonly string[]): FaultKind | undefined {
    const rule = this.rule;
    if (!rule || this.remaining <= 0) return undefined;
    if (rule.operations && !rule.operations.includes(operation)) return undefined;
    if (rule.tables && !tables.some((t) => rule.tables?.includes(t))) return undefined;
    if (this.random() >= rule.rate) return undefined;
    const kind = rule.kinds[Math.floor(this.random() * rule.kinds.length)] as FaultKind;
    this.remaining -= 1;
    this.injected.push({ operation, tables: [...tables], kind });
    return kind;
  }

  /** Runs `call` under the fault `kind` (none: as is). */
  async apply<T>(kind: FaultKind | undefined, call: () => T | Promise<T>): Promise<T> {
    if (kind === 'throttle') throw throttled();
    if (kind === 'internal') throw internalServerError();
    const result = await call();
    if (kind === 'commit-then-fail') throw internalServerError();
    return result;
  }
}
