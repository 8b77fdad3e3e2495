import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readCookie } from '#shared/http/request.js';
import { REFERRAL_COOKIE } from '#shared/referrals/referral-source.js';
import { isValidKey, KEY_PATTERN } from '#shared/schemas/fields.js';

/** Fixed seed: a failure replays the same way on every machine. */
const RUNS = { seed: 20260301, numRuns: 300 } as const;

/** Any text, lone surrogates and control characters included. */
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
/** Text made of the characters that matter to a cookie parser, so separators and quotes come up often. */
const cookieish = fc.string({
  unit: fc.constantFrom('a', 'b', '=', ';', ' ', '"', '%', '%2', '%41', '\t', 'partnero_referral', 'x'),
  maxLength: 16,
});
const NAMES = [REFERRAL_COOKIE, 'a', 'b', 'x'];
/** `name=value` pairs with names that the properties look up, and values that are quoted, encoded or broken. */
const pair = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...NAMES, ' a ', '', 'a b') },
      { weight: 1, arbitrary: anyText },
    ),
    fc.constantFrom('=', ' = ', '==', ''),
    fc.oneof(
      anyText,
      cookieish,
      fc.constantFrom('"quoted"', '""', '"', '%41%42', '%E0%A4%A', '%zz', 'a%20b'),
    ),
  )
  .map(([name, eq, value]) => `${name}${eq}${value}`);
const cookieText = fc.oneof(
  { weight: 1, arbitrary: anyText },
  { weight: 1, arbitrary: cookieish },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.array(pair, { minLength: 1, maxLength: 3 }), fc.constantFrom(';', '; '))
      .map(([p, sep]) => p.join(sep)),
  },
);
const cookieName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NAMES, ' a') },
  { weight: 1, arbitrary: anyText },
);
const headerName = fc.constantFrom('cookie', 'Cookie', 'COOKIE');

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Whether `value` is a piece of one of `sources`, as it came or percent-decoded. */
function cameFrom(value: string, sources: readonly string[]): boolean {
  for (const source of sources) {
    if (source.includes(value)) return true;
    if (!source.includes('%')) continue;
    for (let i = 0; i < source.length; i++)
      for (let j = i + 1; j <= source.length; j++) if (safeDecode(source.slice(i, j)) === value) return true;
  }
  return false;
}

/** Independent of readCookie: whether some `;`-separated pair in `texts` is named `name`. */
const names = (texts: readonly string[], name: string) =>
  texts
    .flatMap((t) => t.split(';'))
    .some((pair) => pair.indexOf('=') > 0 && pair.slice(0, pair.indexOf('=')).trim() === name);

const validKey = fc
  .stringMatching(KEY_PATTERN)
  .filter((k) => isValidKey(k))
  .map((k) => k.slice(0, 128));

describe('readCookie (property)', () => {
  it('never throws for any cookies array, Cookie header and name, and returns a string or undefined', () => {
    fc.assert(
      fc.property(
        fc.option(fc.array(cookieText, { maxLength: 6 }), { nil: undefined }),
        fc.option(cookieText, { nil: undefined }),
        headerName,
        cookieName,
        (cookies, header, headerKey, name) => {
          const headers = header === undefined ? {} : { [headerKey]: header };
          const value = readCookie({ cookies, headers }, name);
          expect(value === undefined || typeof value === 'string').toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('returns, when defined, a piece of the input (as it came or percent-decoded)', () => {
    fc.assert(
      fc.property(
        fc.array(cookieText, { maxLength: 6 }),
        fc.option(cookieText, { nil: undefined }),
        cookieName,
        (cookies, header, name) => {
          const value = readCookie(
            { cookies, headers: header === undefined ? {} : { cookie: header } },
            name,
          );
          if (value === undefined) return;
          // A non-empty cookies array wins over the header, so the value comes from the array alone.
          const sources = cookies.length ? cookies : header === undefined ? [] : [header];
          expect(cameFrom(value, sources)).toBe(true);
          // And a cookie that is not named in the input is never found.
          expect(names(sources, name)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('finds a well-formed partnero_referral=<valid key> anywhere among arbitrary other cookies', () => {
    const others = fc.array(cookieText, { maxLength: 5 }).filter((o) => !names(o, REFERRAL_COOKIE));
    fc.assert(
      fc.property(
        others,
        others,
        validKey,
        fc.option(validKey, { nil: undefined }),
        fc.constantFrom('array', 'joined-array', 'header'),
        fc.constantFrom('', ' ', '  '),
        headerName,
        (before, after, key, laterKey, where, pad, headerKey) => {
          const ours = `${pad}${REFERRAL_COOKIE}=${key}`;
          // A later cookie of the same name loses: the first occurrence wins.
          const tail = laterKey === undefined ? after : [...after, `${REFERRAL_COOKIE}=${laterKey}`];
          const all = [...before, ours, ...tail];
          // With a cookies array, API Gateway's header (here a decoy) is not read.
          const decoy = { [headerKey]: `${REFERRAL_COOKIE}=decoy` };
          const event =
            where === 'array'
              ? { cookies: all, headers: decoy }
              : where === 'joined-array'
                ? { cookies: [all.join('; ')], headers: decoy }
                : { cookies: [], headers: { [headerKey]: all.join('; ') } };
          expect(readCookie(event, REFERRAL_COOKIE)).toBe(key);
        },
      ),
      RUNS,
    );
  });

  it('reads a quoted or percent-encoded value back to the text that was encoded', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        fc.boolean(),
        fc.boolean(),
        (text, quoted, inHeader) => {
          // Trimming happens before decoding, so encoded leading/trailing blanks survive.
          const encoded = encodeURIComponent(text);
          const cookie = `${REFERRAL_COOKIE}=${quoted ? `"${encoded}"` : encoded}`;
          const event = inHeader
            ? { headers: { cookie: `other=1; ${cookie}` } }
            : { cookies: [cookie], headers: {} };
          expect(readCookie(event, REFERRAL_COOKIE)).toBe(text);
        },
      ),
      RUNS,
    );
  });
});
