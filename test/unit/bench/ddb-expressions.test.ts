import { applyUpdate, evaluateCondition } from '#bench/lib/ddb-expressions.js';

describe('DynamoDB stand-in expressions', () => {
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
    values: { ':now': { N: '1000' }, ':now_in_millis': { N: '1000000' }, ':inprogress': { S: 'INPROGRESS' } },
  };

  it('allows the first write, refuses a live record and allows an expired or stale one', () => {
    expect(evaluateCondition(powertools, undefined, ctx)).toBe(true);
    const live = { id: { S: 'k' }, expiration: { N: '2000' }, status: { S: 'COMPLETED' } };
    expect(evaluateCondition(powertools, live, ctx)).toBe(false);
    expect(evaluateCondition(powertools, { ...live, expiration: { N: '999' } }, ctx)).toBe(true);
    const stale = { ...live, status: { S: 'INPROGRESS' }, in_progress_expiration: { N: '999999' } };
    expect(evaluateCondition(powertools, stale, ctx)).toBe(true);
    expect(evaluateCondition('NOT attribute_exists(id)', live, {})).toBe(false);
  });

  it('applies SET and REMOVE, and rejects what it does not implement', () => {
    const item = { id: { S: 'k' }, n: { N: '1' }, gone: { S: 'x' } };
    const updated = applyUpdate('SET #s = :s, n = n + :one REMOVE gone', item, {
      names: { '#s': 'status' },
      values: { ':s': { S: 'COMPLETED' }, ':one': { N: '1' } },
    });
    expect(updated).toEqual({ id: { S: 'k' }, n: { N: '2' }, status: { S: 'COMPLETED' } });
    expect(() => applyUpdate('ADD n :one', item, { values: { ':one': { N: '1' } } })).toThrow(/Unsupported/);
    expect(() => evaluateCondition('size(a) > :n', item, { values: { ':n': { N: '1' } } })).toThrow();
  });
});
