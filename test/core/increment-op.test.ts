// The increment op as a local effect: what the optimistic view and rebase do with it.
import { describe, expect, it } from 'vitest';
import { applyRecordOp, incremented, incrementArgs, recordOp } from '../../src/protocol/record-ops.js';

const inc = (field: string, by: number) => ({ op: 'increment' as const, collection: 'c', key: 'k', field, by });

describe('increment as a record op', () => {
  it('adds to a number; a missing record, field or null counts as 0', () => {
    expect(applyRecordOp({ stock: 10, name: 'x' }, inc('stock', -3))).toEqual({ stock: 7, name: 'x' });
    expect(applyRecordOp(undefined, inc('stock', 2))).toEqual({ stock: 2 });
    expect(applyRecordOp({ name: 'x' }, inc('stock', 2))).toEqual({ name: 'x', stock: 2 });
    expect(applyRecordOp({ stock: null }, inc('stock', 2))).toEqual({ stock: 2 });
  });

  it('leaves a record alone when the field is not a number (rebase must not throw; the server rejects)', () => {
    const record = { stock: 'sold out' };
    expect(applyRecordOp(record, inc('stock', 1))).toBe(record);
    expect(applyRecordOp({ stock: Number.MAX_VALUE }, inc('stock', Number.MAX_VALUE))).toEqual({ stock: Number.MAX_VALUE });
    expect(incremented({ stock: [1] }, 'stock', 1)).toBeUndefined();
  });

  it('reads own fields only: "constructor" is a missing field, not Object.prototype.constructor', () => {
    expect(applyRecordOp({}, inc('constructor', 1))).toEqual({ constructor: 1 });
  });

  it('validates op and wire args', () => {
    expect(recordOp.safeParse(inc('stock', 1)).success).toBe(true);
    expect(recordOp.safeParse({ ...inc('stock', 1), by: '1' }).success).toBe(false);
    expect(incrementArgs.safeParse({ collection: 'c', key: 'k', field: 'n', by: 1.5 }).success).toBe(true);
    expect(incrementArgs.safeParse({ collection: 'c', key: 'k', field: 'n', by: 1, baseVersion: 3 }).success).toBe(false);
    expect(incrementArgs.safeParse({ collection: 'c', key: 'k', field: '__proto__', by: 1 }).success).toBe(false);
    expect(incrementArgs.safeParse({ collection: 'c', key: 'k', field: '', by: 1 }).success).toBe(false);
  });
});

// Type-level: a typed collection only increments its numeric fields (checked by tsc, not at run time).
import type { Collection } from '../../src/index.js';
type Product = { name: string; stock: number; points?: number | null };
export function typeChecks(products: Collection<Product>, untyped: Collection): void {
  void products.increment('p', 'stock', 1);
  void products.increment('p', 'points', 1);
  // @ts-expect-error name is a string field
  void products.increment('p', 'name', 1);
  void untyped.increment('p', 'anything', 1);
}
