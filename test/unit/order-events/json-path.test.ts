import { describe, expect, it, jest } from '@jest/globals';
import { seededRandom } from '#local/random.js';
import {
  isJsonPath,
  type JsonPath,
  JsonPathError,
  parseJsonPath,
  readJsonPath,
} from '#shared/order-events/mapping.js';

const read = (root: unknown, path: string) => readJsonPath(root, parseJsonPath(path));

/** Seeded, so a failing property run can be replayed from its seed. */
const prng = seededRandom;

describe('parseJsonPath', () => {
  it('parses dotted names with optional indexes into steps', () => {
    expect(parseJsonPath('$.detail.items[0][12].sku').steps).toEqual([
      { kind: 'name', name: 'detail' },
      { kind: 'name', name: 'items' },
      { kind: 'index', index: 0 },
      { kind: 'index', index: 12 },
      { kind: 'name', name: 'sku' },
    ]);
    expect(parseJsonPath('$.detail-type').steps).toEqual([{ kind: 'name', name: 'detail-type' }]);
    expect(parseJsonPath('$.a_b.C9').source).toBe('$.a_b.C9');
  });

  it.each([
    ['', 'must start with $'],
    ['detail.orderId', 'must start with $'],
    ['@.a', 'must start with $'],
    ['$', 'at least one field'],
    ['$.', 'unsupported syntax'],
    ['$..a', 'unsupported syntax'],
    ['$.a.', 'unsupported syntax'],
    ['$.a[*]', 'unsupported syntax'],
    ['$.a[-1]', 'unsupported syntax'],
    ['$.a[0', 'unsupported syntax'],
    ['$.a[0]b', 'unsupported syntax'],
    ["$['a']", 'unsupported syntax'],
    ['$[0]', 'unsupported syntax'],
    ['$.a[?(@.x==1)]', 'unsupported syntax'],
    ['$.a()', 'unsupported syntax'],
    ['$.a;process.exit(1)', 'unsupported syntax'],
    ['$.a b', 'unsupported syntax'],
    ['$.a.b\u0000', 'unsupported syntax'],
    ['$.__proto__', 'not allowed'],
    ['$.detail.constructor', 'not allowed'],
    ['$.detail.constructor.prototype', 'not allowed'],
    ['$.a.prototype[0]', 'not allowed'],
    ['$.a[100001]', 'larger than'],
  ])('rejects %j (%s)', (path, reason) => {
    expect(() => parseJsonPath(path)).toThrow(JsonPathError);
    expect(() => parseJsonPath(path)).toThrow(reason);
    expect(isJsonPath(path)).toBe(false);
  });

  it('rejects a path over 256 characters', () => {
    expect(() => parseJsonPath(`$${'.a'.repeat(200)}`)).toThrow('at most 256');
  });

  it.each([undefined, null, 42, {}, ['$.a']])('rejects the non-string %j', (path) => {
    expect(() => parseJsonPath(path)).toThrow('must be a string');
  });
});

describe('readJsonPath', () => {
  const event = {
    'detail-type': 'Order Placed',
    detail: {
      orderId: 'o-1',
      amount: 0,
      flag: false,
      nothing: null,
      items: [{ sku: 'A' }, { sku: 'B', tags: ['x', 'y'] }],
      matrix: [[1, 2], [3]],
    },
  };

  it('reads names, indexes and falsy values', () => {
    expect(read(event, '$.detail-type')).toBe('Order Placed');
    expect(read(event, '$.detail.orderId')).toBe('o-1');
    expect(read(event, '$.detail.amount')).toBe(0);
    expect(read(event, '$.detail.flag')).toBe(false);
    expect(read(event, '$.detail.nothing')).toBeNull();
    expect(read(event, '$.detail.items[1].sku')).toBe('B');
    expect(read(event, '$.detail.items[1].tags[1]')).toBe('y');
    expect(read(event, '$.detail.matrix[0][1]')).toBe(2);
    expect(read(event, '$.detail.items')).toEqual(event.detail.items);
  });

  it('answers undefined for missing fields and type mismatches', () => {
    expect(read(event, '$.detail.missing')).toBeUndefined();
    expect(read(event, '$.detail.missing.deeper[0]')).toBeUndefined();
    expect(read(event, '$.detail.items[5].sku')).toBeUndefined();
    expect(read(event, '$.detail.items.sku')).toBeUndefined(); // a name on an array
    expect(read(event, '$.detail.orderId[0]')).toBeUndefined(); // an index on a string
    expect(read(event, '$.detail.orderId.length')).toBeUndefined(); // a name on a primitive
    expect(read(event, '$.detail[0]')).toBeUndefined(); // an index on an object
    expect(read(event, '$.detail.nothing.x')).toBeUndefined();
    expect(read({ '0': 'zero' }, '$.a')).toBeUndefined();
    for (const root of [undefined, null, 'text', 42, true, []]) expect(read(root, '$.a[0]')).toBeUndefined();
  });

  it('never reads the prototype chain', () => {
    expect(read({}, '$.toString')).toBeUndefined();
    expect(read({}, '$.hasOwnProperty')).toBeUndefined();
    expect(read([], '$.a')).toBeUndefined();
    const parsed = JSON.parse('{"__proto__": {"polluted": "yes"}, "a": {}}');
    expect(read(parsed, '$.polluted')).toBeUndefined();
    expect(read(parsed, '$.a.polluted')).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never runs getters or proxy traps that throw', () => {
    const getter = jest.fn(() => {
      throw new Error('boom');
    });
    const withGetter = Object.defineProperty({}, 'a', { get: getter, enumerable: true });
    expect(read(withGetter, '$.a')).toBeUndefined();
    expect(getter).not.toHaveBeenCalled();
    const hostile = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error('trap');
        },
      },
    );
    expect(read({ x: hostile }, '$.x.y')).toBeUndefined();
  });

  it('property: never throws and agrees with a plain own-key walk on random JSON values', () => {
    const random = prng(20260);
    const names = ['a', 'b', 'x-y', 'a', 'b', '0', 'length'];
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.25) return pick([null, true, false, 0, -1.5, 'text', '', 'a']);
      if (r < 0.45) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: 1 + Math.floor(random() * 4) }, () => [pick(names), value(depth + 1)]),
      );
    };
    const walk = (root: unknown, path: JsonPath): unknown => {
      let current = root;
      for (const step of path.steps) {
        if (step.kind === 'name') {
          if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
          if (!Object.hasOwn(current, step.name)) return undefined;
          current = (current as Record<string, unknown>)[step.name];
        } else {
          if (!Array.isArray(current) || step.index >= current.length) return undefined;
          current = current[step.index];
        }
      }
      return current;
    };
    let found = 0;
    for (let i = 0; i < 3000; i++) {
      const root = value(0);
      let source = '$';
      const steps = 1 + Math.floor(random() * 3);
      for (let s = 0; s < steps; s++) {
        source += `.${pick(names)}`;
        if (random() < 0.3) source += `[${Math.floor(random() * 3)}]`;
      }
      const path = parseJsonPath(source);
      const got = readJsonPath(root, path);
      expect(got).toEqual(walk(root, path));
      if (got !== undefined) found++;
    }
    expect(found).toBeGreaterThan(100); // the generator does reach existing values
  });
});
