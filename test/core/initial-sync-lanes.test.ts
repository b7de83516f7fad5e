// A fresh database's initial sync keeps the digest lanes as it writes (digest-lanes.ts, KnownRecords):
// they must equal a recount even when records change, are deleted or are delivered twice between its
// pages, and a store that was not empty must not take that shortcut.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readLanes, scanLanes } from '../../src/core/digest-lanes.js';
import { T, recordKey } from '../../src/core/local-schema.js';
import type { SynclineClient } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { memoryClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let writer: SynclineClient;

beforeEach(async () => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
  writer = await memoryClient(server.transport());
  for (let i = 0; i < 60; i++) await writer.collection('products').put(`p${String(i).padStart(2, '0')}`, { i });
  await writer.sync();
});
afterEach(async () => {
  await writer.close();
  await server.close();
  dir.remove();
});

async function lanesEqualRecount(client: SynclineClient): Promise<void> {
  const [kept, scanned] = await client.store.read(async (tx) => [await readLanes(tx), await scanLanes(tx)] as const);
  expect(kept).toBeDefined();
  expect(kept).toEqual(scanned);
}

it('keeps lanes equal to a recount while records change between its pages, and verifies without one', async () => {
  let pages = 0;
  const client = await memoryClient(server.transport(), {
    pullPageSize: 10,
    concurrency: 1,
    plugins: [
      {
        name: 'changes-between-pages',
        async afterPull() {
          pages += 1;
          if (pages > 3) return;
          // Records already applied change again (delivered twice), one is deleted, one is new.
          await writer.collection('products').put(`p0${pages}`, { i: -pages });
          await writer.collection('products').put(`p0${pages + 4}`, { i: 100 + pages, more: true });
          await writer.collection('products').delete(`p0${pages + 6}`);
          await writer.collection('products').put(`new${pages}`, { i: 1000 });
          await writer.sync();
        },
      },
    ],
  });
  try {
    const result = await client.sync();
    expect(result.pulled.pages).toBeGreaterThan(6);
    expect(result.verify).toMatchObject({ status: 'verified', full: true, mismatches: [] });
    await lanesEqualRecount(client);
    expect(await client.collection('products').list()).toEqual(await writer.collection('products').list());
  } finally {
    await client.close();
  }
});

it('recounts on a store that already held records, even from cursor 0', async () => {
  const store = createMemoryStore();
  // A record left behind from before (no cursor, lanes not kept): the shortcut would count it wrong.
  await store.write((tx) => tx.put(T.records, recordKey('products', 'stale'), { v: 1, value: { old: true }, version: 1 }));
  const client = await memoryClient(server.transport(), { store, pullPageSize: 25 });
  try {
    const result = await client.sync();
    // The recount sees the stale record the server does not have, and the repair removes it.
    expect(result.verify).toMatchObject({ status: 'repaired', full: true, mismatches: ['products'] });
    await lanesEqualRecount(client);
    expect(await client.collection('products').get('stale')).toBeUndefined();
  } finally {
    await client.close();
  }
});
