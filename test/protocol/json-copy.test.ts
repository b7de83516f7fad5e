// The wire schemas check JSON with copyJson: one walk that copies, and names the first part that is
// not JSON. It must accept exactly JSON, hand back a copy the caller's later edits cannot reach, and
// keep an own "__proto__" field a field.
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyJson, copyJsonObject, NotJsonError } from '../../src/protocol/json.js';
import { jsonObject, jsonValue } from '../../src/protocol/wire.js';

function refusal(value: unknown): { path: Array<string | number>; message: string } {
  try {
    copyJson(value);
  } catch (error) {
    if (error instanceof NotJsonError) return { path: error.path, message: error.message };
    throw error;
  }
  throw new Error('expected copyJson to refuse the value');
}

describe('copyJson', () => {
  it('returns an equal, unshared copy of any JSON value, which the schema accepts', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = copyJson(value);
        expect(copy).toEqual(value);
        if (typeof value === 'object' && value !== null) expect(copy).not.toBe(value);
        expect(jsonValue.safeParse(value)).toEqual({ success: true, data: value });
      }),
    );
  });

  it('keeps what it copied safe from later edits of the input', () => {
    const input = { items: [{ qty: 1 }] };
    const parsed = jsonObject.parse(input);
    input.items[0]!.qty = 2;
    input.items.push({ qty: 3 });
    expect(parsed).toEqual({ items: [{ qty: 1 }] });
  });

  it('names the first part that is not JSON, and why', () => {
    expect(refusal({ a: [1, { b: undefined }] })).toEqual({ path: ['a', 1, 'b'], message: expect.stringMatching(/^expected a JSON value/) });
    expect(refusal([Number.POSITIVE_INFINITY])).toEqual({ path: [0], message: 'numbers must be finite' });
    expect(refusal({ n: Number.NaN }).path).toEqual(['n']);
    expect(refusal({ when: new Date(0) }).path).toEqual(['when']);
    expect(refusal({ m: new Map() }).path).toEqual(['m']);
    expect(refusal([1, , 3]).path).toEqual([1]); // eslint-disable-line no-sparse-arrays
    expect(refusal({ f: () => 1 }).path).toEqual(['f']);
    expect(refusal(new (class Point {})()).path).toEqual([]);
  });

  it('accepts plain objects without a prototype or from another realm', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(copyJson(bare)).toEqual({ a: 1 });
    expect(copyJson(runInNewContext('({ a: [1, { b: "x" }] })'))).toEqual({ a: [1, { b: 'x' }] });
  });

  it('keeps an own "__proto__" an ordinary field of the copy', () => {
    const copy = copyJsonObject(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'));
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect((copy as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('wants an object at the top for jsonObject', () => {
    expect(() => copyJsonObject([1])).toThrow(NotJsonError);
    expect(jsonObject.safeParse('x').success).toBe(false);
  });
});
