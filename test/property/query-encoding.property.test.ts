// Property: the index encoding orders scalars exactly as the query language does (by type, then by
// value; strings by code unit), and keeps string prefixes — so index key ranges select the same
// records as comparing values in JavaScript.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeScalar, encodeStringPrefix } from '../../src/core/query-encoding.js';
import { compareScalars } from '../../src/testing/query-reference.js';

const scalar = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '\u0000', '\u0001', 'a\u0000', 'a\u0001', 'a\u0002', 'a'),
  fc.boolean(),
  fc.constant(null),
);

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('query index encoding', () => {
  it('orders encodings as the query language orders values', () => {
    fc.assert(
      fc.property(scalar, scalar, (a, b) => {
        const ea = encodeScalar(a) + '\u0000';
        const eb = encodeScalar(b) + '\u0000';
        expect(sign(ea < eb ? -1 : ea > eb ? 1 : 0)).toBe(sign(compareScalars(a, b)));
        expect(ea.indexOf('\u0000')).toBe(ea.length - 1); // NUL only as the separator
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps prefixes: s starts with p exactly when its encoding starts with p’s', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary', maxLength: 3 }), (s, p) => {
        expect((encodeScalar(s) + '\u0000').startsWith(encodeStringPrefix(p))).toBe(s.startsWith(p));
      }),
      { numRuns: 5000 },
    );
  });
});
