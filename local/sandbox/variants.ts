import { seededRandom } from '#local/random.js';

/**
 * Where Partnero publishes nothing or contradicts itself, the sandbox can answer any plausible reading.
 *
 * Off (the default), every answer is the published shape, field for field (docs/partnero-shapes.md).
 * On, each answer at each open point picks one reading with a seeded random choice, so a run can be
 * replayed: the client must read all of them. The open points are listed in `VARIANT_POINTS`.
 */
export const VARIANT_POINTS = [
  'envelope: `{status, data}` or the bare payload (a list as a bare array)',
  'customer: with or without a `key`; referral links as strings or `{url, key, default}` objects',
  'referring_customer: an object with some of id/key/email/name, or a bare id or key string',
  'balance: the published unit list, money and points in separate lists, the list alone, or one number',
  'transaction parties: identifier strings (id or key) or `{id, key}` objects; `credit` boolean or 0/1',
  'transaction rewards: empty, `{amount, amount_units}` objects, or plain numbers',
  'stats: the sandbox names, other common names, or counts nested as `{total}`',
  'balance credit answer: `{status: 1}`, a balance, the customer, or no body (200 or 204)',
  'transaction delete answer: 200 `{status: 1}` or 204 with no body',
  'webhook list `limit` outside 10–100: 422 or clamped (any other list outside 1–250 likewise)',
] as const;

/** A request with this header set to `published` is answered in the published shapes (test helpers). */
export const PUBLISHED_SHAPES_HEADER = 'x-sandbox-shapes';

export class Variants {
  private readonly random: (() => number) | null;

  constructor(seed: number | null) {
    this.random = seed === null ? null : seededRandom(seed);
  }

  get on(): boolean {
    return this.random !== null;
  }

  /** `published` when off; else one of `published` and `others`, seeded. */
  pick<T>(published: T, ...others: T[]): T {
    if (!this.random || others.length === 0) return published;
    const options = [published, ...others];
    return options[Math.floor(this.random() * options.length)] ?? published;
  }

  /** A 2xx `{status, data}` answer, possibly without its envelope. */
  envelope<R extends { status: number; body?: unknown }>(result: R): R {
    if (!this.on || result.status < 200 || result.status >= 300) return result;
    const body = result.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || body.status !== 1 || !('data' in body)) return result;
    return this.pick(result, { ...result, body: body.data });
  }
}
