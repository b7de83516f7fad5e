// The IndexedDB store over fake-indexeddb in Node (the real browser run is in test/browser).
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { openIndexedDbStore } from '../../src/indexeddb.js';
import { runStoreConformance } from '../../src/testing.js';

let factory = new IDBFactory();
let n = 0;
let current = '';

runStoreConformance('indexeddb (fake-indexeddb)', {
  open: async () => {
    factory = new IDBFactory();
    current = `db-${++n}`;
    return openIndexedDbStore(current, { indexedDB: factory });
  },
  reopen: () => openIndexedDbStore(current, { indexedDB: factory }),
  // IndexedDB runs a readwrite transaction only after overlapping readonly ones finish, and vice versa.
  readsWaitForWrites: true,
});

describe('indexeddb store specifics', () => {
  it('refuses a database written by a newer schema', async () => {
    const f = new IDBFactory();
    await new Promise<void>((resolve, reject) => {
      const req = f.open('future', 7);
      req.onupgradeneeded = () => req.result.createObjectStore('kv');
      req.onsuccess = () => {
        req.result.close();
        resolve();
      };
      req.onerror = () => reject(req.error);
    });
    await expect(openIndexedDbStore('future', { indexedDB: f })).rejects.toMatchObject({
      name: 'StoreFormatTooNewError',
      details: { foundFormat: 7, supportedFormat: 2 },
    });
  });

  it('says clearly when a transaction body awaited something else and the transaction committed', async () => {
    const store = await openIndexedDbStore('auto-commit', { indexedDB: new IDBFactory() });
    const error = await store
      .write(async (tx) => {
        await tx.put('t', 'a', 1);
        await new Promise((r) => setTimeout(r, 5));
        await tx.put('t', 'b', 2);
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'InvalidArgumentError', message: expect.stringContaining('had already committed') });
    await store.close();
  });
});
