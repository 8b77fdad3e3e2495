import { seededRandom } from '#local/random.js';
import { Errors, isObject, readBoolean, readNumber, readString } from './validation.js';

/**
 * Answer faults (`429`…`503`, `delay`, `drop`) strike before the request is processed. Commit faults
 * strike after it: `commit-500` / `commit-drop` / `commit-timeout` apply the write, then answer 500 /
 * cut the socket / never answer; `late-commit` answers nothing and applies the write only once the
 * client has given up. On a GET the commit kinds are a plain 500 / drop / hang until the client closes.
 */
export const FAULT_KINDS = [
  '429',
  '500',
  '502',
  '503',
  'delay',
  'drop',
  'commit-500',
  'commit-drop',
  'commit-timeout',
  'late-commit',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const COMMIT_KINDS: readonly FaultKind[] = [
  'commit-500',
  'commit-drop',
  'commit-timeout',
  'late-commit',
];

export interface FaultRule {
  rate: number;
  kinds: FaultKind[];
  delayMs: number;
  retryAfterSeconds: number;
  /** Matching requests left before the rule expires; null = unlimited. */
  remaining: number | null;
  /** Substring of `METHOD /v1/path`; null matches every API request. */
  match: string | null;
  /** `late-commit` only: keep the write pending until `flush`, even after the client has gone. */
  hold: boolean;
}

/** One rule as given to `Faults.set` or `POST /__sandbox/faults`. */
export interface FaultRuleInput {
  kinds: FaultKind[];
  /** Probability (0–1) that a matching request is faulted; default 1. */
  rate?: number;
  delayMs?: number;
  retryAfterSeconds?: number;
  /** Expire the rule after this many matching requests. */
  count?: number;
  match?: string;
  hold?: boolean;
}

export type FaultSpec = FaultRuleInput | { rules: FaultRuleInput[] };

export interface PickedFault {
  kind: FaultKind;
  rule: FaultRule;
}

function readRule(raw: unknown, prefix: string, errors: Errors): FaultRule | undefined {
  if (!isObject(raw)) {
    errors.add(prefix || 'rule', 'A fault rule must be an object.');
    return undefined;
  }
  const field = (name: string) => `${prefix}${name}`;
  const rate = readNumber(raw, 'rate', field('rate'), errors) ?? 1;
  if (rate < 0 || rate > 1) errors.add(field('rate'), 'The rate must be between 0 and 1.');
  const kinds = raw.kinds;
  if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((k) => FAULT_KINDS.includes(k))) {
    errors.add(field('kinds'), `The kinds must be a non-empty array of ${FAULT_KINDS.join(', ')}.`);
  }
  const delayMs = readNumber(raw, 'delayMs', field('delayMs'), errors) ?? 1000;
  const retryAfterSeconds = readNumber(raw, 'retryAfterSeconds', field('retryAfterSeconds'), errors) ?? 1;
  const count = readNumber(raw, 'count', field('count'), errors);
  if (count !== undefined && !(Number.isInteger(count) && count > 0)) {
    errors.add(field('count'), 'The count must be a positive integer.');
  }
  const match = readString(raw, 'match', field('match'), errors, { max: 2000 });
  const hold = readBoolean(raw, 'hold', field('hold'), errors) ?? false;
  return {
    rate,
    kinds: kinds as FaultKind[],
    delayMs,
    retryAfterSeconds,
    remaining: count ?? null,
    match: match ?? null,
    hold,
  };
}

/** Fault rules and global latency for API requests; random choices come from `random` (seedable). */
export class Faults {
  rules: FaultRule[] = [];
  latencyMs = 0;

  constructor(private random: () => number = Math.random) {}

  /** Restarts the fault choices from `seed`, so a run can be replayed exactly. */
  reseed(seed: number): void {
    this.random = seededRandom(seed);
  }

  /** Replaces the rules with one rule (`{kinds, ...}`) or several (`{rules: [...]}`); 422 when invalid. */
  set(spec: FaultSpec): FaultRule[] {
    const body = spec as unknown as Record<string, unknown>;
    const errors = new Errors();
    const many = Array.isArray(body.rules);
    const raws = many ? (body.rules as unknown[]) : [body];
    const rules = raws.map((raw, i) => readRule(raw, many ? `rules.${i}.` : '', errors));
    errors.throwIfAny();
    this.rules = rules.filter((r): r is FaultRule => r !== undefined);
    return this.rules;
  }

  clear(): void {
    this.rules = [];
  }

  /** Picks the fault (if any) for one request; consumes `count` of the first matching rule. */
  pick(label: string): PickedFault | null {
    const rule = this.rules.find((r) => r.match === null || label.includes(r.match));
    if (!rule) return null;
    if (rule.remaining !== null) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    }
    if (this.random() >= rule.rate) return null;
    const kind = rule.kinds[Math.floor(this.random() * rule.kinds.length)] ?? rule.kinds[0];
    return kind ? { kind, rule } : null;
  }
}
