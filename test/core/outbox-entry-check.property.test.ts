// Property: the hand-written outbox entry check (src/core/outbox-entry-check.ts) never accepts an
// entry zod's outboxEntrySchema refuses, and what it accepts is exactly what zod returns; and it does
// accept ordinary entries, or every push would quietly pay zod's price again.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOCAL_FORMAT, outboxEntrySchema } from '../../src/core/local-schema.js';
import { acceptOutboxEntry } from '../../src/core/outbox-entry-check.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 2000 : 500));

const BAD: unknown[] = [
  '', 'k'.repeat(257), 'a'.repeat(65), '1abc', '__proto__', 'x', -1, 0, 1.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 2, 2,
  undefined, null, true, {}, [], new Array<unknown>(2), Symbol('s'), new Date(0), 10n, Object.create(null) as unknown,
  JSON.parse('{"__proto__": {"a": 1}}') as unknown, { a: Number.NaN }, [{ b: undefined }], { op: 'put' }, { op: 'nope', collection: 'c', key: 'k' },
];

const object = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4, noNullPrototype: true });
const target = { collection: fc.constantFrom('notes', 'a', 'x.y-z_1', 'a'.repeat(64)), key: fc.string({ minLength: 1, maxLength: 8 }) };
const op = fc.oneof(
  fc.record({ op: fc.constant('put'), ...target, value: object }),
  fc.record({ op: fc.constant('patch'), ...target, fields: object }),
  fc.record({ op: fc.constant('delete'), ...target }),
  fc.record({ op: fc.constant('increment'), ...target, field: fc.oneof(fc.string({ minLength: 1, maxLength: 5 }), fc.constant('__proto__')), by: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
);
const entry = fc.record({
  v: fc.constant(LOCAL_FORMAT),
  id: fc.integer({ min: 1, max: 1e9 }),
  name: fc.constantFrom('put', 'receipts.void', 'x'),
  args: fc.jsonValue({ maxDepth: 3 }),
  createdAt: fc.oneof(fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  ops: fc.array(op, { maxLength: 3 }),
  covered: fc.boolean(),
});

/** A valid entry, or one with a single fault: a value replaced by a bad one, a key dropped, a stray key. */
const faulted = fc.tuple(entry, fc.nat(), fc.nat(BAD.length - 1), fc.nat(3)).map(([input, where, bad, how]) => {
  if (how === 0) return input as unknown;
  const copy = structuredClone(input) as unknown;
  const objects: Array<Record<string, unknown>> = [];
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) return;
    if (!Array.isArray(v)) objects.push(v as Record<string, unknown>);
    for (const child of Object.values(v)) walk(child);
  };
  walk(copy);
  const target = objects[where % objects.length]!;
  const keys = Object.keys(target);
  const key = keys[where % Math.max(1, keys.length)];
  if (how === 1 || key === undefined) target[`stray${where % 3}`] = 1;
  else if (how === 2) delete target[key];
  else target[key] = BAD[bad];
  return copy;
});

describe('hand-written outbox entry check', () => {
  it('never accepts an entry zod refuses, and returns what zod would', () => {
    let accepted = 0;
    fc.assert(
      fc.property(faulted, (raw) => {
        const fast = acceptOutboxEntry(raw, LOCAL_FORMAT);
        if (fast === undefined) return;
        accepted += 1;
        const slow = outboxEntrySchema.safeParse(raw);
        expect(slow.success).toBe(true);
        expect(fast).toBe(raw);
        expect(slow.data).toStrictEqual(raw);
      }),
      { numRuns: RUNS },
    );
    // A fourth of the inputs are valid: a check that accepted almost nothing would prove nothing.
    expect(accepted).toBeGreaterThan(RUNS / 10);
  });

  it('leaves an entry with an outcome to zod', () => {
    const raw = { v: LOCAL_FORMAT, id: 1, name: 'put', args: {}, createdAt: 0, ops: [], covered: false, outcome: { id: 1, status: 'applied', version: 3 } };
    expect(acceptOutboxEntry(raw, LOCAL_FORMAT)).toBeUndefined();
    expect(outboxEntrySchema.safeParse(raw).success).toBe(true);
  });
});
