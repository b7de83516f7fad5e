// Property: the size budget of a push batch (src/core/push-batch-bytes.ts) counts exactly as sizing
// each mutation alone would, whether the batch fits whole (one stringify of the array) or is cut.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { countWithinBudget } from '../../src/core/push-batch-bytes.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 2000 : 500));

/** The rule, item by item: each takes its JSON length plus a comma; at least one always goes. */
function reference(items: readonly unknown[], maxChars: number): { count: number; chars: number } {
  let used = 0;
  for (let i = 0; i < items.length; i += 1) {
    const size = JSON.stringify(items[i]).length + 1;
    if (used + size > maxChars && i > 0) return { count: i, chars: used };
    used += size;
  }
  return { count: items.length, chars: used };
}

const mutation = fc.record({ id: fc.nat(), name: fc.string({ maxLength: 6 }), args: fc.jsonValue({ maxDepth: 3 }), createdAt: fc.nat() });

it('counts what fits the budget exactly as sizing each mutation would', () => {
  fc.assert(
    fc.property(fc.array(mutation, { maxLength: 12 }), fc.integer({ min: 1, max: 2000 }), (items, maxChars) => {
      expect(countWithinBudget(items, maxChars)).toEqual(reference(items, maxChars));
    }),
    { numRuns: RUNS },
  );
});

it('takes a whole batch at the exact edge of the budget, and cuts one character below it', () => {
  const items = [{ a: 1 }, { b: 'x' }, { c: [1, 2] }];
  const exact = reference(items, Number.POSITIVE_INFINITY).chars;
  expect(countWithinBudget(items, exact)).toEqual({ count: 3, chars: exact });
  expect(countWithinBudget(items, exact - 1).count).toBe(2);
});
