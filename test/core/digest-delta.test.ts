// A delta sync verifies against the maintained lanes: it reads the records it changes, never all of them.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T } from '../../src/core/local-schema.js';
import type { SynclineClient } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import type { Store, StoreReader, StoreWriter } from '../../src/stores/store.js';
import { memoryClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

const RECORDS = 120;

/** Counts what the client reads from the `records` table (rows returned by scans, and gets). */
function countingStore(inner: Store) {
  const counts = { scannedRows: 0, scans: 0, gets: 0 };
  const reader = <R extends StoreReader>(tx: R): R => {
    const wrapped = Object.create(null) as R;
    Object.assign(wrapped, {
      get: async (table: string, key: string) => {
        if (table === T.records) counts.gets += 1;
        return tx.get(table, key);
      },
      scan: async (table: string, options?: Parameters<StoreReader['scan']>[1]) => {
        const rows = await tx.scan(table, options);
        if (table === T.records) {
          counts.scans += 1;
          counts.scannedRows += rows.length;
        }
        return rows;
      },
      count: (table: string, options?: Parameters<StoreReader['count']>[1]) => tx.count(table, options),
    });
    if ('put' in tx) {
      const w = tx as unknown as StoreWriter;
      Object.assign(wrapped, { put: w.put.bind(w), delete: w.delete.bind(w) });
    }
    return wrapped;
  };
  const store: Store = {
    name: `counting:${inner.name}`,
    read: (fn) => inner.read((tx) => fn(reader(tx))),
    write: (fn) => inner.write((tx) => fn(reader(tx))),
    close: () => inner.close(),
  };
  return { store, counts, reset: () => Object.assign(counts, { scannedRows: 0, scans: 0, gets: 0 }) };
}

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let writer: SynclineClient;

beforeEach(async () => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
  writer = await memoryClient(server.transport());
  for (let i = 0; i < RECORDS; i++) await writer.collection('products').put(`p${i}`, { i });
  await writer.sync();
});
afterEach(async () => {
  await writer.close();
  await server.close();
  dir.remove();
});

describe('a delta sync', () => {
  it('reads only the records it changes; a full verify reads them all', async () => {
    const counting = countingStore(createMemoryStore());
    const client = await memoryClient(server.transport(), { store: counting.store });
    try {
      expect((await client.sync()).verify).toMatchObject({ status: 'verified', full: true });
      expect(counting.counts.scannedRows).toBeGreaterThanOrEqual(RECORDS);

      await writer.collection('products').put('p1', { i: 1, changed: true });
      await writer.collection('products').delete('p2');
      await writer.collection('products').put('new', { i: -1 });
      await writer.sync();
      await client.collection('products').put('mine', { local: true });
      counting.reset();
      const result = await client.sync();
      expect(result.verify).toEqual({ status: 'verified', mismatches: [], repaired: [] });
      expect(result.pulled.changes).toBe(4);
      expect(counting.counts.scans).toBe(0);
      expect(counting.counts.gets).toBeLessThanOrEqual(10);

      counting.reset();
      expect((await client.sync({ verify: 'full' })).verify).toMatchObject({ status: 'verified', full: true });
      expect(counting.counts.scannedRows).toBe(RECORDS + 1);
    } finally {
      await client.close();
    }
  });
});
