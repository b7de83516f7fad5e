// Property: the hand-written push checks (src/server/push-validation.ts) never accept what the zod
// schemas refuse, and what they accept is exactly what zod would return. And they do accept the
// ordinary valid shapes, or the server would quietly pay zod's price for every push.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deleteArgs, patchArgs, putArgs } from '../../src/protocol/record-ops.js';
import { pushRequest } from '../../src/protocol/wire-requests.js';
import { acceptDeleteArgs, acceptPatchArgs, acceptPushRequest, acceptPutArgs } from '../../src/server/push-validation.js';
import { assertAcceptableJson } from '../../src/server/read-body.js';
import type { Shape } from '../../src/protocol/shape.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 2000 : 500));

/** Values that break some rule somewhere: wrong types, out of range, too long, not JSON. */
const BAD: unknown[] = [
  '', 'n'.repeat(129), 'k'.repeat(257), 'a'.repeat(65), '1abc', 'bad name', 'short', 'client aaaa', '001750000000000.00000.', '3',
  -1, 0, 1.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 2, 2, undefined, null, true, {}, [], new Array<unknown>(3).fill(1, 0, 1), Symbol('s'), new Date(0), 10n,
  JSON.parse('{"__proto__": {"a": 1}}') as unknown, Object.create(null) as unknown, { a: Number.NaN }, [{ b: undefined }],
];

const stamp = fc.option(fc.constantFrom('001750000000000.00000.client-aaaa', '000000000000001.00042.x'), { nil: undefined });
const withHlc = <T extends object>(o: T, h: string | undefined): T => (h === undefined ? o : { ...o, hlc: h });
const object = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4, noNullPrototype: true });
const target = { collection: fc.constantFrom('notes', 'a', 'x.y-z_1', 'a'.repeat(64)), key: fc.string({ minLength: 1, maxLength: 8 }), baseVersion: fc.option(fc.nat(), { nil: null }) };
const put = fc.tuple(fc.record({ ...target, value: object }), stamp).map(([o, h]) => withHlc(o, h));
const patch = fc.tuple(fc.record({ ...target, fields: object.filter((f) => Object.keys(f).length > 0), expected: object }), stamp).map(([o, h]) => withHlc(o, h));
const del = fc.tuple(fc.record(target), stamp).map(([o, h]) => withHlc(o, h));
const mutation = fc.record({ id: fc.integer({ min: 1, max: 1e9 }), name: fc.constantFrom('put', 'patch', 'x', 'n'.repeat(128)), args: fc.oneof(put, patch, del, fc.jsonValue({ maxDepth: 3 })), createdAt: fc.nat() });
const request = fc.tuple(
  fc.record({ v: fc.constant(1), clientId: fc.constantFrom('client-aaaa', 'c'.repeat(8), 'c'.repeat(64)), mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) }),
  fc.option(fc.nat(), { nil: undefined }),
).map(([r, settled]) => (settled === undefined ? r : { ...r, settledThrough: settled }));

/**
 * A valid input, or one with a single fault somewhere inside it: a value replaced by a bad one, a key
 * dropped, or a stray key added. One fault at a time is what a hand check that forgot a rule lets by.
 */
function faulted<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.nat(), fc.nat(BAD.length - 1), fc.nat(3)).map(([input, where, bad, how]) => {
    if (how === 0) return input;
    const copy = structuredClone(input) as unknown;
    const objects: Array<Record<string, unknown>> = [];
    const walk = (v: unknown): void => {
      if (typeof v !== 'object' || v === null) return;
      if (!Array.isArray(v)) objects.push(v as Record<string, unknown>);
      for (const child of Object.values(v)) walk(child);
    };
    walk(copy);
    const target = objects[where % objects.length];
    if (target === undefined) return copy;
    const keys = Object.keys(target);
    const key = keys[where % Math.max(1, keys.length)];
    if (how === 1 || key === undefined) target[`stray${where % 3}`] = 1;
    else if (how === 2) delete target[key];
    else target[key] = BAD[bad];
    return copy;
  });
}

let acceptedCount = 0;
/** accept(x) defined ⇒ zod accepts x and returns a value equal to x. */
function agrees(accept: (x: unknown) => unknown, schema: Shape<unknown>, input: unknown): void {
  const fast = accept(input);
  if (fast === undefined) return;
  acceptedCount += 1;
  const slow = schema.safeParse(input);
  expect(slow.success).toBe(true);
  expect(fast).toBe(input);
  expect(slow.data).toStrictEqual(input);
}

describe('hand-written push validation', () => {
  it('never accepts a push request zod refuses, and returns what zod would', () => {
    acceptedCount = 0;
    fc.assert(fc.property(faulted(request), (r) => agrees(acceptPushRequest, pushRequest, r)), { numRuns: RUNS });
    // A fourth of the inputs are valid: a check that accepted almost nothing would prove nothing.
    expect(acceptedCount).toBeGreaterThan(RUNS / 10);
  });

  it('with guardedJson, on bodies as the server has them (parsed, door-checked), still agrees with zod', () => {
    acceptedCount = 0;
    fc.assert(
      fc.property(faulted(request), (r) => {
        // What the route hands it: JSON.parse output the door check let through.
        let text: string | undefined;
        try {
          text = JSON.stringify(r);
        } catch {
          return; // a BigInt: no JSON text carries one
        }
        if (text === undefined) return;
        const body = JSON.parse(text) as unknown;
        try {
          assertAcceptableJson(body);
        } catch {
          return;
        }
        agrees((x) => acceptPushRequest(x, { guardedJson: true }), pushRequest, body);
      }),
      { numRuns: RUNS },
    );
    expect(acceptedCount).toBeGreaterThan(RUNS / 10);
  });

  it('never accepts generic write args zod refuses, and returns what zod would', () => {
    fc.assert(fc.property(faulted(put), (a) => agrees(acceptPutArgs, putArgs, a)), { numRuns: RUNS });
    fc.assert(fc.property(faulted(patch), (a) => agrees(acceptPatchArgs, patchArgs, a)), { numRuns: RUNS });
    fc.assert(fc.property(faulted(del), (a) => agrees(acceptDeleteArgs, deleteArgs, a)), { numRuns: RUNS });
  });

  it('accepts the ordinary valid shapes itself', () => {
    const value = { text: 'note', n: 1, tags: ['a', { b: [null, true, 1.5] }], nested: {} };
    const args = { collection: 'notes', key: 'note-1', value, baseVersion: null, hlc: '001750000000000.00000.client-aaaa' };
    const body = { v: 1, clientId: 'client-aaaa', mutations: [{ id: 1, name: 'put', args, createdAt: 0 }], settledThrough: 0 };
    expect(acceptPushRequest(JSON.parse(JSON.stringify(body)))).toBeDefined();
    expect(acceptPutArgs({ ...args, baseVersion: 3 })).toBeDefined();
    expect(acceptPatchArgs({ collection: 'notes', key: 'k', fields: { a: 1 }, expected: {}, baseVersion: 2 })).toBeDefined();
    expect(acceptDeleteArgs({ collection: 'notes', key: 'k', baseVersion: 2, hlc: '001750000000000.00000.c' })).toBeDefined();
    // A patch must set a field; zod says so with its message.
    expect(acceptPatchArgs({ collection: 'notes', key: 'k', fields: {}, expected: {}, baseVersion: 2 })).toBeUndefined();
  });
});
