// The full recount hashes records in pages (so a browser's main thread is not held for the whole
// table): every record must be counted exactly once across page boundaries, for every collection.
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/index.js';
import { scanLanes } from '../../src/core/digest-lanes.js';
import { T, recordKey } from '../../src/core/local-schema.js';
import { addHash, emptyLanes, recordHash, type DigestLanes } from '../../src/protocol/digest.js';

describe('scanLanes in pages', () => {
  it('counts each of 1,234 records once, in three collections whose keys straddle page ends', async () => {
    const store = createMemoryStore();
    const expected = new Map<string, DigestLanes>();
    await store.write(async (tx) => {
      for (let i = 0; i < 1234; i += 1) {
        const collection = ['a', 'ab', 'b'][i % 3]!;
        const key = `k-${i}`; // not zero-padded: string order differs from numeric order
        const value = { n: i };
        await tx.put(T.records, recordKey(collection, key), { v: 1, value, version: i + 1 });
        expected.set(collection, addHash(expected.get(collection) ?? emptyLanes(), recordHash(collection, key, i + 1, value), 1));
      }
    });
    const all = await store.read((tx) => scanLanes(tx));
    expect(Object.fromEntries(all)).toEqual(Object.fromEntries(expected));
    const one = await store.read((tx) => scanLanes(tx, 'ab'));
    expect(Object.fromEntries(one)).toEqual({ ab: expected.get('ab') });
  });
});
