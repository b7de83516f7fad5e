import fc from 'fast-check';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type SyncEvent, type SynclineClient } from '../../src/index.js';
import { canonicalJson, emptyLanes, hashHex, parseHashHex, recordHash, toDigest, updateLanes, versionOnlyHash } from '../../src/protocol/digest.js';
import type { JsonObject } from '../../src/protocol/json.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import type { Store } from '../../src/stores/store.js';
import { serverView, startServer, tempDir, type TestServer } from '../helpers/harness.js';

describe('the digest function', () => {
  it('is independent of order, and removing undoes adding', () => {
    const record = fc.record({ c: fc.constantFrom('a', 'b'), k: fc.string({ maxLength: 6 }), v: fc.nat(1000), value: fc.dictionary(fc.string({ maxLength: 3 }), fc.integer()) });
    fc.assert(
      fc.property(fc.uniqueArray(record, { selector: (r) => `${r.c}/${r.k}` }), fc.nat(), (records, seed) => {
        const shuffled = [...records].sort((x, y) => ((x.v * 31 + seed) % 97) - ((y.v * 31 + seed) % 97));
        const add = (list: typeof records) => list.reduce((l, r) => updateLanes(l, r.c, r.k, r.v, r.value, 1), emptyLanes());
        expect(toDigest(add(records))).toEqual(toDigest(add(shuffled)));
        const all = add(records);
        const removed = records.reduce((l, r) => updateLanes(l, r.c, r.k, r.v, r.value, -1), all);
        expect(removed).toEqual(emptyLanes());
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('changes when a version changes', () => {
    const one = toDigest(updateLanes(emptyLanes(), 'c', 'k', 1, { a: 1 }, 1));
    const two = toDigest(updateLanes(emptyLanes(), 'c', 'k', 2, { a: 1 }, 1));
    expect(one.digest).not.toBe(two.digest);
  });

  it('changes when only a value changes, and not when only its key order does', () => {
    const hash = (value: JsonObject) => recordHash('c', 'k', 1, value);
    expect(hash({ a: 1, b: 2 })).not.toEqual(hash({ a: 1, b: 3 }));
    expect(hash({ a: 1, b: { x: [1, { p: 1, q: 2 }], y: null } })).toEqual(hash({ b: { y: null, x: [1, { q: 2, p: 1 }] }, a: 1 }));
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: true }] })).toBe('{"a":[{"c":true,"d":"x"}],"b":1}');
    // Format 1 could not tell these apart: that is what format 2 is for.
    expect(versionOnlyHash('c', 'k', 1)).toEqual(versionOnlyHash('c', 'k', 1));
  });

  it('writes the same canonical text whether or not the keys were already in order', () => {
    // Reference: written out key by key in sorted order (an object cannot hold integer-like keys in
    // that order: Object.keys lists them first).
    const reference = (v: unknown): string =>
      Array.isArray(v) ? `[${v.map(reference).join(',')}]`
        : v !== null && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`).join(',')}}`
        : JSON.stringify(v);
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const expected = reference(value);
        expect(canonicalJson(value as JsonObject)).toBe(expected);
        // Parsed back, keys come in sorted order where objects allow it (the fast path): same text.
        expect(canonicalJson(JSON.parse(expected) as JsonObject)).toBe(expected);
      }),
      { seed: 11, numRuns: 500 },
    );
    // Integer-like keys: Object.keys lists them first, numerically, which is not code-unit order.
    expect(canonicalJson({ 10: 'a', 9: 'b', x: 1 })).toBe('{"10":"a","9":"b","x":1}');
  });

  it('reads back the text form of a hash', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (a, b) => {
        expect(parseHashHex(hashHex([a, b]))).toEqual([a, b]);
      }),
      { seed: 3, numRuns: 100 },
    );
    expect(parseHashHex('nothex')).toBeUndefined();
  });
});

describe('convergence check against a corrupted local store', () => {
  let dir: ReturnType<typeof tempDir>;
  let server: TestServer;
  let store: Store;
  let client: SynclineClient;
  let events: SyncEvent[];

  beforeEach(async () => {
    dir = tempDir();
    server = startServer({ sqlitePath: join(dir.path, 'server.db') });
    const writer = await createClient({ store: createMemoryStore(), transport: server.transport(), autoSync: false });
    for (let i = 0; i < 30; i++) await writer.collection('products').put(`p${String(i).padStart(2, '0')}`, { i });
    await writer.collection('other').put('x', { ok: true });
    await writer.sync();
    await writer.close();
    store = createMemoryStore();
    client = await createClient({ store, transport: server.transport(), autoSync: false, closeStore: false });
    events = [];
    client.subscribe((e) => events.push(e));
    expect((await client.sync()).verify.status).toBe('verified');
  });
  afterEach(async () => {
    await client.close();
    await store.close();
    await server.close();
    dir.remove();
  });

  const damages: Record<string, (s: Store) => Promise<void>> = {
    'a record deleted': (s) => s.write((tx) => tx.delete('records', 'products\u0000p03')),
    'a record at the wrong version': (s) =>
      s.write(async (tx) => {
        const row = (await tx.get('records', 'products\u0000p04')) as { version: number };
        await tx.put('records', 'products\u0000p04', { ...row, version: row.version + 1 } as never);
      }),
    'a record the server never had': (s) => s.write((tx) => tx.put('records', 'products\u0000zz', { v: 1, value: { bogus: true }, version: 3 })),
  };

  for (const [what, damage] of Object.entries(damages)) {
    it(`detects and repairs ${what} within one cycle, keeping pending writes`, async () => {
      await damage(store);
      await client.collection('products').patch('p05', { i: 500 }); // pending while repairing
      // The maintained lanes cannot see damage done behind the engine's back; a full recount does.
      expect((await client.sync({ direction: 'pull' })).verify.status).toBe('verified');
      const result = await client.sync({ direction: 'pull', verify: 'full' });
      expect(result.verify).toEqual({ status: 'repaired', mismatches: ['products'], repaired: ['products'], full: true });
      expect(events.find((e) => e.type === 'verify.recounted' && e.rebuilt.length > 0)).toEqual({ type: 'verify.recounted', rebuilt: ['products'] });
      expect(events.find((e) => e.type === 'verify.mismatch')).toMatchObject({ collection: 'products' });
      expect(events.find((e) => e.type === 'verify.repaired')).toMatchObject({ collection: 'products', verified: true });
      expect(await client.collection('products').get('p05')).toEqual({ i: 500 });
      await client.sync();
      const mine = await client.collection('products').list();
      expect(mine).toEqual(await serverView(server.transport(), 'products'));
      expect((await client.sync()).verify.status).toBe('verified');
      expect((await client.history(1))[0]?.verify.status).toBe('verified');
    });
  }
});
