import { describe, expect, it } from '@jest/globals';
import { requestExpressions } from '#local/aws/dynamodb/expressions.js';
import { applyUpdate, evaluateCondition, projectItem } from '#local/aws/dynamodb/index.js';
import { addNumbers, canonicalNumber, compareNumbers } from '#local/aws/dynamodb/numbers.js';
import { compareStrings } from '#local/aws/dynamodb/values.js';

const validationError = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as Error & { type?: string };
  }
  throw new Error('expected a ValidationException');
};

describe('condition expressions', () => {
  // The condition Powertools' DynamoDBPersistenceLayer sends with PutItem.
  const powertools =
    'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)';
  const ctx = {
    names: {
      '#id': 'id',
      '#expiry': 'expiration',
      '#status': 'status',
      '#in_progress_expiry': 'in_progress_expiration',
    },
    values: {
      ':now': { N: '1000.5' },
      ':now_in_millis': { N: '1000000' },
      ':inprogress': { S: 'INPROGRESS' },
    },
  };

  it('allows the first write, refuses a live record and allows an expired or stale one', () => {
    expect(evaluateCondition(powertools, undefined, ctx)).toBe(true);
    const live = { id: { S: 'k' }, expiration: { N: '2000' }, status: { S: 'COMPLETED' } };
    expect(evaluateCondition(powertools, live, ctx)).toBe(false);
    expect(evaluateCondition(powertools, { ...live, expiration: { N: '1000' } }, ctx)).toBe(true);
    const stale = { ...live, status: { S: 'INPROGRESS' }, in_progress_expiration: { N: '999999' } };
    expect(evaluateCondition(powertools, stale, ctx)).toBe(true);
    expect(evaluateCondition('NOT attribute_exists(id)', live, {})).toBe(false);
  });

  it('gives NOT precedence over AND, and AND over OR', () => {
    const item = { a: { N: '1' } };
    const values = { ':one': { N: '1' }, ':two': { N: '2' } };
    expect(evaluateCondition('a = :two AND a = :one OR a = :one', item, { values })).toBe(true);
    expect(evaluateCondition('a = :two AND (a = :one OR a = :one)', item, { values })).toBe(false);
    expect(evaluateCondition('NOT a = :two AND a = :one', item, { values })).toBe(true);
    expect(evaluateCondition('NOT (a = :one AND a = :one)', item, { values })).toBe(false);
  });

  it('compares numbers numerically, strings by code point, and mixed types never', () => {
    const item = { n: { N: '10' }, s: { S: 'b' } };
    const values = { ':nine': { N: '9.99' }, ':a': { S: 'a' }, ':sa': { S: '10' } };
    expect(evaluateCondition('n > :nine', item, { values })).toBe(true);
    expect(evaluateCondition('s > :a AND s >= :a AND NOT s <= :a', item, { values })).toBe(true);
    expect(evaluateCondition('n = :sa', item, { values })).toBe(false);
    expect(evaluateCondition('n <> :sa', item, { values })).toBe(true);
    expect(evaluateCondition('n < :sa OR n > :sa', item, { values })).toBe(false);
    expect(evaluateCondition('absent <> :a', item, { values })).toBe(true);
  });

  it('evaluates BETWEEN, IN, size, contains, begins_with and attribute_type on nested paths', () => {
    const item = {
      order: {
        M: {
          entries: { L: [{ M: { sku: { S: 'sku-1' } } }, { M: { sku: { S: 'sku-2' } } }] },
          tags: { SS: ['gift', 'priority'] },
          amount: { N: '42' },
        },
      },
    };
    const names = { '#o': 'order' };
    const values = {
      ':lo': { N: '40' },
      ':hi': { N: '42' },
      ':two': { N: '2' },
      ':gift': { S: 'gift' },
      ':sku': { S: 'sku-' },
      ':m': { S: 'M' },
      ':x': { N: '1' },
    };
    const ok = (expression: string) => evaluateCondition(expression, item, { names, values });
    expect(ok('#o.amount BETWEEN :lo AND :hi')).toBe(true);
    expect(ok('#o.amount IN (:x, :hi)')).toBe(true);
    expect(ok('size(#o.entries) = :two AND size(#o.tags) = :two')).toBe(true);
    expect(ok('contains(#o.tags, :gift) AND begins_with(#o.entries[1].sku, :sku)')).toBe(true);
    expect(ok('attribute_type(#o, :m) AND attribute_exists(#o.entries[0].sku)')).toBe(true);
    expect(ok('attribute_not_exists(#o.entries[2]) AND NOT contains(#o.entries[0].sku, :m)')).toBe(true);
  });

  it('refuses what DynamoDB refuses, naming it', () => {
    expect(
      validationError(() => evaluateCondition('status = :s', undefined, { values: { ':s': { S: 'x' } } }))
        .message,
    ).toBe('Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status');
    expect(
      validationError(() => evaluateCondition('#nope = :s', undefined, { values: { ':s': { S: 'x' } } }))
        .message,
    ).toContain('attribute name: #nope');
    expect(validationError(() => evaluateCondition('a = :missing', undefined, {})).message).toContain(
      'attribute value: :missing',
    );
    expect(
      validationError(() => evaluateCondition('matches(a, :v)', undefined, { values: { ':v': { S: 'x' } } }))
        .message,
    ).toBe('Invalid ConditionExpression: Invalid function name; function: matches');
    expect(validationError(() => evaluateCondition('a = ', undefined, {})).message).toMatch(
      /Syntax error; token: "<EOF>"/,
    );
    expect(
      validationError(() =>
        evaluateCondition('a BETWEEN :hi AND :lo', undefined, {
          values: { ':lo': { N: '1' }, ':hi': { N: '2' } },
        }),
      ).message,
    ).toContain('requires upper bound to be greater than or equal to lower bound');
    expect(
      validationError(() => evaluateCondition('a = :v', undefined, { values: { ':v': { N: 'x' } } })).message,
    ).toBe('A value provided cannot be converted into a number');
  });
});

describe('update expressions', () => {
  it('applies SET, REMOVE, ADD and DELETE in one expression, every operand reading the item as it was', () => {
    const item = {
      id: { S: 'k' },
      n: { N: '1' },
      prev: { N: '5' },
      gone: { S: 'x' },
      tags: { SS: ['a', 'b'] },
      nums: { NS: ['1', '2'] },
    };
    const updated = applyUpdate(
      'SET #s = :s, n = n + :one, dup = n, prev = prev - :tenth REMOVE gone ADD tags :c, visits :one DELETE nums :n1',
      item,
      {
        names: { '#s': 'status' },
        values: {
          ':s': { S: 'COMPLETED' },
          ':one': { N: '1' },
          ':tenth': { N: '0.1' },
          ':c': { SS: ['c', 'a'] },
          ':n1': { NS: ['1.0'] },
        },
      },
    );
    expect(updated).toEqual({
      id: { S: 'k' },
      n: { N: '2' },
      dup: { N: '1' },
      prev: { N: '4.9' },
      status: { S: 'COMPLETED' },
      tags: { SS: ['a', 'b', 'c'] },
      visits: { N: '1' },
      nums: { NS: ['2'] },
    });
    expect(item.n).toEqual({ N: '1' });
  });

  it('supports if_not_exists, list_append and nested paths', () => {
    const item = { id: { S: 'k' }, doc: { M: { parts: { L: [{ N: '1' }] } } } };
    const values = {
      ':zero': { N: '0' },
      ':more': { L: [{ N: '2' }] },
      ':v': { S: 'v' },
      ':empty': { L: [] },
    };
    const updated = applyUpdate(
      'SET visits = if_not_exists(visits, :zero) + :zero, doc.entries = list_append(doc.parts, :more), doc.note = :v, ' +
        'doc.parts[9] = :v, fresh = list_append(if_not_exists(fresh, :empty), :more) REMOVE doc.parts[0]',
      item,
      { values },
    );
    expect(updated).toEqual({
      id: { S: 'k' },
      visits: { N: '0' },
      fresh: { L: [{ N: '2' }] },
      doc: { M: { parts: { L: [{ S: 'v' }] }, entries: { L: [{ N: '1' }, { N: '2' }] }, note: { S: 'v' } } },
    });
  });

  it('refuses wrong types, missing operands, overlapping paths and repeated clauses', () => {
    const item = { id: { S: 'k' }, s: { S: 'text' } };
    const values = { ':one': { N: '1' }, ':s': { S: 'x' } };
    expect(validationError(() => applyUpdate('SET a = s + :one', item, { values })).message).toContain(
      'incorrect data type',
    );
    expect(validationError(() => applyUpdate('SET a = nope', item, {})).message).toBe(
      'The provided expression refers to an attribute that does not exist in the item',
    );
    expect(validationError(() => applyUpdate('ADD s :s', item, { values })).message).toContain(
      'operator: ADD, operand type: STRING',
    );
    expect(validationError(() => applyUpdate('SET a = :one, a = :one', item, { values })).message).toContain(
      'Two document paths overlap',
    );
    expect(
      validationError(() => applyUpdate('SET a = :one SET b = :one', item, { values })).message,
    ).toContain('The "SET" section can only be used once');
    expect(validationError(() => applyUpdate('SET absent.child = :one', item, { values })).message).toBe(
      'The document path provided in the update expression is invalid for update',
    );
    expect(validationError(() => applyUpdate('RENAME a', item, {})).message).toMatch(
      /Syntax error; token: "RENAME"/,
    );
  });
});

describe('projection expressions and per-request checks', () => {
  it('projects top-level attributes, nested attributes and list elements', () => {
    const item = {
      id: { S: 'k' },
      a: { M: { b: { N: '1' }, c: { N: '2' } } },
      l: { L: [{ S: 'x' }, { S: 'y' }, { S: 'z' }] },
    };
    expect(projectItem('id, a.c, l[2], l[0], nope', item)).toEqual({
      id: { S: 'k' },
      a: { M: { c: { N: '2' } } },
      l: { L: [{ S: 'x' }, { S: 'z' }] },
    });
  });

  it('refuses unused placeholders and legacy parameters', () => {
    const input = {
      ConditionExpression: 'attribute_not_exists(#id)',
      ExpressionAttributeNames: { '#id': 'id', '#extra': 'x' },
    };
    expect(validationError(() => requestExpressions(input, ['ConditionExpression'])).message).toBe(
      'Value provided in ExpressionAttributeNames unused in expressions: keys: {#extra}',
    );
    expect(
      validationError(() => requestExpressions({ Expected: {} }, ['ConditionExpression'])).message,
    ).toContain('Expected');
  });
});

describe('numbers and strings', () => {
  it('stores numbers trimmed and adds and compares them exactly', () => {
    expect(canonicalNumber('007.500')).toBe('7.5');
    expect(canonicalNumber('-0.0')).toBe('0');
    expect(canonicalNumber('1e3')).toBe('1000');
    expect(addNumbers('0.1', '0.2')).toBe('0.3');
    expect(addNumbers('1', '3', true)).toBe('-2');
    expect(compareNumbers('10', '9.999')).toBe(1);
    expect(compareNumbers('-1', '1E-5')).toBe(-1);
    expect(() => canonicalNumber('1'.repeat(39))).toThrow(/38 significant digits/);
  });

  it('orders strings by UTF-8 bytes (code points), not UTF-16 code units', () => {
    expect(compareStrings('\uffff', '\u{10000}')).toBeLessThan(0);
    expect(compareStrings('a', 'ab')).toBeLessThan(0);
    expect(compareStrings('B', 'a')).toBeLessThan(0);
  });
});
