/**
 * A small seeded pseudo-random generator (mulberry32) for reproducible tests and simulations:
 * the same seed always yields the same sequence, on every platform. Not for anything secret.
 */
import { InvalidArgumentError } from '../core/errors.js';

export interface Prng {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** True with probability `p` (p <= 0 never, p >= 1 always). */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

export function createPrng(seed: number): Prng {
  // Coerce to uint32 so any JS number (negative, fractional, huge) is a valid seed.
  let state = Math.trunc(seed) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int(min, max) {
      if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
        throw new InvalidArgumentError(`prng.int needs integers with min <= max, got (${min}, ${max}).`);
      }
      return min + Math.floor(next() * (max - min + 1));
    },
    chance: (p) => next() < p,
    pick(items) {
      if (items.length === 0) throw new InvalidArgumentError('prng.pick needs a non-empty array.');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
  };
}
