import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AppError } from '#shared/errors.js';
import {
  EVENT_NAME,
  MAX_DELIVERY_DEPTH,
  nestsDeeperThan,
  parseDelivery,
} from '#shared/webhooks/parse-delivery.js';

/** Fixed seed: a failure replays the same way on every machine. */
const RUNS = { seed: 20260306, numRuns: 300 } as const;

const DELIVERY_ERRORS = ['payload_too_deep', 'invalid_json', 'validation'] as const;

/**
 * How many runs reached each branch a property checks, so a generator that stops reaching one (the
 * property then holds there vacuously) fails the test instead of passing it.
 */
class Hits<K extends string> {
  private readonly counts = new Map<K, number>();

  hit(branch: K): void {
    this.counts.set(branch, (this.counts.get(branch) ?? 0) + 1);
  }

  /** Every branch was reached in more runs than its minimum; the failure lists every count. */
  expectMoreThan(minimums: Record<K, number>): void {
    const branches = Object.keys(minimums) as K[];
    const counts = Object.fromEntries(branches.map((b) => [b, this.counts.get(b) ?? 0]));
    const missed = branches.filter((b) => (this.counts.get(b) ?? 0) <= minimums[b]);
    expect({ counts, missed }).toEqual({ counts, missed: [] });
  }
}

/** Arrays and objects nest one level each; anything else is depth 0 (JSON.parse's view of the text). */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((max, child) => Math.max(max, depthOf(child)), 0);
}

/** A JSON value wrapped in 0–45 arrays / objects (lengths spread evenly), so depths both sides of 32 come up. */
const nested = fc
  .tuple(
    fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }),
    fc.array(fc.constantFrom('array', 'object', 'array-with-siblings', 'object-with-siblings'), {
      maxLength: 45,
      size: 'max',
    }),
  )
  .map(([leaf, wrappers]) =>
    wrappers.reduce<unknown>((inner, how) => {
      // Brackets, quotes and backslashes inside strings must not count as nesting.
      if (how === 'array') return [inner];
      if (how === 'object') return { '"[{': inner };
      if (how === 'array-with-siblings') return ['}]', inner, 1, { '\\': '"' }];
      return { a: '\\"[', b: inner, c: [] };
    }, leaf),
  );
const anyJson = fc.oneof(fc.jsonValue({ stringUnit: 'binary' }), nested);
/** How JSON reaches us: compact, pretty-printed, or with odd whitespace. */
const textOf = (value: unknown, style: number) =>
  style === 0
    ? JSON.stringify(value)
    : style === 1
      ? JSON.stringify(value, null, 2)
      : (JSON.stringify(value, null, '\t\r\n ') ?? 'null');

const eventName = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'customer.created',
      'customer.rewarded',
      'transaction.deleted',
      'referral_link.updated',
    ),
  },
  { weight: 2, arbitrary: fc.stringMatching(EVENT_NAME) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'Customer.Created',
      'customer',
      'customer..created',
      `customer.${'x'.repeat(130)}`,
    ),
  },
);
const createdAt = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer({ min: 0, max: 4_000_000_000 }),
  fc.integer({ min: 0, max: 4_000_000_000_000 }),
  fc.integer({ min: 0, max: 4_000_000_000 }).map(String),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.double(),
  fc.constantFrom(null, '', 'not a date', true, {}),
);
const dataKey = fc.oneof(
  { weight: 8, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString') },
);
const delivery = fc.record(
  {
    event: eventName,
    data: fc.oneof(
      { weight: 4, arbitrary: fc.dictionary(dataKey, fc.jsonValue({ maxDepth: 3 })) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    ),
    created_at: createdAt,
    webhook_key: fc.oneof(
      { weight: 4, arbitrary: fc.string({ maxLength: 64 }) },
      {
        weight: 1,
        arbitrary: fc.oneof(fc.string({ minLength: 250, maxLength: 300 }), fc.constantFrom(null, 7)),
      },
    ),
    url: fc.oneof(fc.webUrl(), fc.constant(null), fc.integer()),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);

/** Every input reaches one of two endings: a well-formed Delivery, or an AppError of a known code. */
function outcome(body: Buffer) {
  try {
    return { delivery: parseDelivery(body), error: undefined } as const;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    const error = e as AppError;
    expect(DELIVERY_ERRORS).toContain(error.code);
    if (error.code === 'validation') {
      expect(Object.keys(error.fields ?? {}).length).toBeGreaterThan(0);
      for (const reasons of Object.values(error.fields ?? {})) {
        expect(reasons.length).toBeGreaterThan(0);
        expect(reasons.every((r) => typeof r === 'string' && r.length > 0)).toBe(true);
      }
    }
    return { delivery: undefined, error } as const;
  }
}

function expectWellFormed(delivery: ReturnType<typeof parseDelivery>, body: Buffer) {
  expect(delivery.event).toMatch(EVENT_NAME);
  expect(delivery.event.length).toBeLessThanOrEqual(128);
  expect(typeof delivery.data === 'object' && delivery.data !== null && !Array.isArray(delivery.data)).toBe(
    true,
  );
  expect(delivery.deliveryId).toBe(`sha256:${createHash('sha256').update(body).digest('hex')}`);
  if ('webhookKey' in delivery)
    expect(typeof delivery.webhookKey === 'string' && delivery.webhookKey !== '').toBe(true);
  if ('createdAt' in delivery) expect(Number.isNaN(delivery.createdAt?.getTime())).toBe(false);
}

describe('parseDelivery (property)', () => {
  it('never crashes on any bytes: a Delivery, or payload_too_deep / invalid_json / validation', () => {
    const hits = new Hits<'parsed' | (typeof DELIVERY_ERRORS)[number]>();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
          fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
          fc
            .string({
              unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', ':', ',', '1', 'a'),
              maxLength: 80,
            })
            .map((s) => Buffer.from(s)),
          fc.nat({ max: 60 }).map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`)),
          delivery.map((payload) => Buffer.from(JSON.stringify(payload))),
        ),
        (body) => {
          const { delivery, error } = outcome(body);
          hits.hit((error?.code ?? 'parsed') as 'parsed' | (typeof DELIVERY_ERRORS)[number]);
          if (delivery) expectWellFormed(delivery, body);
        },
      ),
      RUNS,
    );
    hits.expectMoreThan({ parsed: 5, payload_too_deep: 10, invalid_json: 60, validation: 25 });
  });

  it('on any JSON: payload_too_deep exactly when it nests deeper than 32, else parsed or a validation error', () => {
    const hits = new Hits<'tooDeep' | 'within' | 'parsed'>();
    fc.assert(
      fc.property(fc.oneof(anyJson, delivery), fc.nat({ max: 2 }), (value, style) => {
        const body = Buffer.from(textOf(value, style));
        const { delivery, error } = outcome(body);
        const tooDeep = depthOf(value) > MAX_DELIVERY_DEPTH;
        hits.hit(tooDeep ? 'tooDeep' : 'within');
        expect(error?.code === 'payload_too_deep').toBe(tooDeep);
        if (!tooDeep) expect(error?.code ?? 'validation').toBe('validation');
        if (delivery) {
          hits.hit('parsed');
          expectWellFormed(delivery, body);
        }
      }),
      RUNS,
    );
    hits.expectMoreThan({ tooDeep: 5, within: 90, parsed: 15 });
  });

  it('on any delivery-shaped body: accepted iff event and data are well-formed, read as they came', () => {
    const hits = new Hits<'badCore' | 'goodCoreRefused' | 'accepted'>();
    fc.assert(
      fc.property(delivery, fc.nat({ max: 2 }), (payload, style) => {
        const body = Buffer.from(textOf(payload, style));
        const { delivery: parsed, error } = outcome(body);
        const event = payload.event;
        const data = payload.data;
        const goodCore =
          typeof event === 'string' &&
          EVENT_NAME.test(event) &&
          event.length <= 128 &&
          typeof data === 'object' &&
          data !== null &&
          !Array.isArray(data);
        if (!goodCore) {
          hits.hit('badCore');
          expect(error?.code).toBe('validation');
          return;
        }
        if (!parsed) {
          hits.hit('goodCoreRefused'); // created_at, webhook_key or url of the wrong type or length
          return;
        }
        hits.hit('accepted');
        expectWellFormed(parsed, body);
        expect(parsed.event).toBe(event);
        // zod's record deliberately leaves out an own `__proto__` key (it would replace the prototype).
        const { ['__proto__']: _dropped, ...expected } = JSON.parse(JSON.stringify(data));
        expect(Object.hasOwn(parsed.data, '__proto__')).toBe(false);
        expect(Object.getPrototypeOf(parsed.data)).toBe(Object.prototype);
        expect(parsed.data).toEqual(expected);
        if (typeof payload.webhook_key === 'string' && payload.webhook_key !== '') {
          expect(parsed.webhookKey).toBe(payload.webhook_key);
        }
      }),
      RUNS,
    );
    hits.expectMoreThan({ badCore: 60, goodCoreRefused: 15, accepted: 25 });
  });
});

describe('nestsDeeperThan (property)', () => {
  it('agrees with the depth JSON.parse sees, for any JSON text and any limit', () => {
    const hits = new Hits<'deeper' | 'notDeeper'>();
    fc.assert(
      fc.property(anyJson, fc.nat({ max: 2 }), fc.nat({ max: 45 }), (value, style, max) => {
        const text = textOf(value, style);
        const depth = depthOf(JSON.parse(text));
        hits.hit(depth > max ? 'deeper' : 'notDeeper');
        expect(nestsDeeperThan(Buffer.from(text, 'utf8'), max)).toBe(depth > max);
      }),
      RUNS,
    );
    hits.expectMoreThan({ deeper: 30, notDeeper: 70 });
  });

  it('never throws on any bytes, and is monotone in the limit', () => {
    const hits = new Hits<'deeper' | 'notDeeper'>();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.nat({ max: 60 }).map((n) => Buffer.from(`${'{"a":['.repeat(n)}`)),
        ),
        fc.nat({ max: 40 }),
        (bytes, max) => {
          const body = Buffer.from(bytes);
          if (nestsDeeperThan(body, max)) hits.hit('deeper');
          else {
            hits.hit('notDeeper');
            expect(nestsDeeperThan(body, max + 1)).toBe(false);
          }
        },
      ),
      RUNS,
    );
    hits.expectMoreThan({ deeper: 35, notDeeper: 60 });
  });
});
