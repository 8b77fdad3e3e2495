import { allOf, atMost, median, p90, p99, quantile, ratio, summarize, times } from '#bench/lib/stats.js';

describe('benchmark statistics', () => {
  it('takes the median of odd and even samples, in any order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('interpolates percentiles between closest ranks (R-7)', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(p90(hundred)).toBeCloseTo(90.1);
    expect(p99(hundred)).toBeCloseTo(99.01);
    expect(quantile([10, 20], 0.25)).toBe(12.5);
    expect(quantile([1, 2, 3], 0)).toBe(1);
    expect(quantile([1, 2, 3], 1)).toBe(3);
  });

  it('reports NaN for an empty sample and refuses a quantile outside 0..1', () => {
    expect(median([])).toBeNaN();
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
    expect(summarize([])).toMatchObject({ n: 0, median: Number.NaN, min: Number.NaN });
  });

  it('summarizes a sample without reordering the caller’s array', () => {
    const sample = [5, 1, 4, 2, 3];
    expect(summarize(sample)).toMatchObject({ n: 5, median: 3, min: 1, max: 5 });
    expect(sample).toEqual([5, 1, 4, 2, 3]);
  });

  it('computes a ratio only against a positive, finite reference', () => {
    expect(ratio(130, 100)).toBeCloseTo(1.3);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 1)).toBeNaN();
    expect(ratio(1, Number.POSITIVE_INFINITY)).toBeNaN();
    expect(times(1.234)).toBe('1.23×');
    expect(times(Number.NaN)).toBe('–');
  });

  it('meets an at-most budget at the limit, and a strict one only below it', () => {
    expect(atMost(1.3, 1.3)).toBe('met');
    expect(atMost(1.31, 1.3)).toBe('missed');
    expect(atMost(1, 1, true)).toBe('missed');
    expect(atMost(0.99, 1, true)).toBe('met');
    expect(atMost(Number.NaN, 1)).toBe('n/a');
  });

  it('combines verdicts: any miss is a miss, an unmeasured one is never a pass', () => {
    expect(allOf(['met', 'met'])).toBe('met');
    expect(allOf(['met', 'missed', 'n/a'])).toBe('missed');
    expect(allOf(['met', 'n/a'])).toBe('n/a');
    expect(allOf([])).toBe('n/a');
  });
});
