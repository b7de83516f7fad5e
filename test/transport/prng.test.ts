import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { createPrng } from '../../src/testing/prng.js';

describe('createPrng', () => {
  it('yields the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number) => Array.from({ length: 20 }, createPrng(seed).next);
    expect(draw(7)).toEqual(draw(7));
    expect(draw(8)).not.toEqual(draw(7));
  });

  it('keeps next() in [0, 1) and spreads it roughly evenly', () => {
    const prng = createPrng(123);
    const values = Array.from({ length: 10_000 }, () => prng.next());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const lowerHalf = values.filter((v) => v < 0.5).length;
    expect(lowerHalf).toBeGreaterThan(4700);
    expect(lowerHalf).toBeLessThan(5300);
  });

  it('int(min, max) includes both ends and nothing outside', () => {
    const prng = createPrng(5);
    const seen = new Set(Array.from({ length: 2000 }, () => prng.int(-2, 3)));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    expect(() => prng.int(3, 2)).toThrow(InvalidArgumentError);
  });

  it('chance(p) is true about p of the time, never at 0 and always at 1', () => {
    const prng = createPrng(9);
    const hits = Array.from({ length: 10_000 }, () => prng.chance(0.25)).filter(Boolean).length;
    expect(hits).toBeGreaterThan(2200);
    expect(hits).toBeLessThan(2800);
    expect(Array.from({ length: 100 }, () => prng.chance(0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 100 }, () => prng.chance(1)).every(Boolean)).toBe(true);
  });

  it('pick() returns elements of the array and refuses an empty one', () => {
    const prng = createPrng(11);
    const items = ['a', 'b', 'c'] as const;
    const picked = new Set(Array.from({ length: 200 }, () => prng.pick(items)));
    expect([...picked].sort()).toEqual(['a', 'b', 'c']);
    expect(() => prng.pick([])).toThrow(InvalidArgumentError);
  });

  it('accepts any number as a seed', () => {
    expect(createPrng(-1.5).next()).toBe(createPrng(-1).next());
    expect(createPrng(2 ** 40).next()).toBeGreaterThanOrEqual(0);
  });
});
