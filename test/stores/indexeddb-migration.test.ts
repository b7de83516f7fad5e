// Store format 1 → 2 on IndexedDB (fake-indexeddb), from the dump of a database the format-1 code
// wrote (test/fixtures/store-v1), recreated in exactly the format-1 layout.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openIndexedDbStore } from '../../src/indexeddb.js';
import { openIdbDatabase } from '../../src/stores/indexeddb-open.js';
import { IDB_CHAIN_END, IDB_MIGRATIONS, V2_ENTRIES, V2_KEY_PATH, type IdbStep } from '../../src/stores/migrations/indexeddb-migrations.js';
import { ENTRIES, ENTRY_KEY_PATH, IDB_STORE_FORMAT } from '../../src/stores/indexeddb-layout.js';
import { tempDir } from '../helpers/harness.js';
import { expectAllEntriesKept, expectOutboxPushedOnce, idbV1Dump, loadIdbV1 } from './fixtures/store-v1.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('syncline-idb-migrate-');
});
afterEach(() => dir.remove());

/** The raw layout: version, object stores, and every [key, value] of one object store. */
async function rawLayout(factory: IDBFactory, name: string, storeName: string) {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = factory.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    const names = Array.from({ length: db.objectStoreNames.length }, (_, i) => db.objectStoreNames.item(i));
    const store = db.transaction(storeName, 'readonly').objectStore(storeName);
    const [keys, values] = await Promise.all(
      [store.getAllKeys(), store.getAll()].map(
        (request) => new Promise<unknown[]>((resolve, reject) => {
          request.onsuccess = () => resolve(request.result as unknown[]);
          request.onerror = () => reject(request.error);
        }),
      ),
    );
    return { version: db.version, names, rows: (keys as unknown[]).map((k, i) => [k, (values as unknown[])[i]]) };
  } finally {
    db.close();
  }
}

describe('IndexedDB store format 1 → 2', () => {
  it('the eager layout module names the format the migration chain ends at', () => {
    expect(IDB_CHAIN_END).toBe(IDB_STORE_FORMAT);
    expect([V2_ENTRIES, V2_KEY_PATH]).toEqual([ENTRIES, ENTRY_KEY_PATH]);
  });

  it('refuses a version-1 database that syncline did not make, without migrating it', async () => {
    const factory = new IDBFactory();
    await new Promise<void>((resolve, reject) => {
      const request = factory.open('foreign', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('users');
      request.onsuccess = () => (request.result.close(), resolve());
      request.onerror = () => reject(request.error);
    });
    await expect(openIndexedDbStore('foreign', { indexedDB: factory })).rejects.toMatchObject({ name: 'StoredDataError', message: /not a syncline store/ });
    expect((await rawLayout(factory, 'foreign', 'users')).version).toBe(1);
  });

  it('a v1 store migrates with its outbox, records, jobs and cursor, then pushes the outbox once', async () => {
    const factory = new IDBFactory();
    const entries = await loadIdbV1(factory, 'client');
    const store = await openIndexedDbStore('client', { indexedDB: factory });
    await expectAllEntriesKept(store, entries);
    const layout = await rawLayout(factory, 'client', 'entries');
    expect(layout.version).toBe(2);
    expect(layout.names).toEqual(['entries']);
    expect(layout.rows[0]).toEqual([[entries[0]?.[0], entries[0]?.[1]], { t: entries[0]?.[0], k: entries[0]?.[1], v: entries[0]?.[2] }]);
    await expectOutboxPushedOnce(dir.path, store);
  });

  it('a second open, and a completed step run again, change nothing', async () => {
    const factory = new IDBFactory();
    const entries = await loadIdbV1(factory, 'twice');
    await (await openIndexedDbStore('twice', { indexedDB: factory })).close();
    // Re-run every step inside a versionchange transaction of the already migrated database.
    const again = await openIdbDatabase(factory, 'twice', [...IDB_MIGRATIONS, { from: 2, to: 3, name: 'rerun all', up: async (c) => {
      for (const step of IDB_MIGRATIONS) await step.up(c);
    } }], 3);
    again.close();
    const store = await openIndexedDbStore('twice', { indexedDB: factory }).catch((e: unknown) => e);
    // Version 3 is newer than this syncline's 2: refused, and the data is still there.
    expect(store).toMatchObject({ name: 'StoreFormatTooNewError', details: { foundFormat: 3, supportedFormat: 2 } });
    const rows = (await rawLayout(factory, 'twice', 'entries')).rows;
    expect(rows.map(([, row]) => [(row as { t: string }).t, (row as { k: string }).k, (row as { v: unknown }).v])).toEqual(entries);
  });

  it('a step that fails (a crash mid-migration) leaves the v1 database intact, and the next open migrates it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1 }), fc.boolean(), async (failAt, afterWork) => {
        const factory = new IDBFactory();
        const entries = await loadIdbV1(factory, 'crash');
        const failing = (step: IdbStep): IdbStep => ({
          ...step,
          async up(context) {
            if (afterWork) await step.up(context);
            throw new Error('simulated crash');
          },
        });
        const steps: IdbStep[] = [...IDB_MIGRATIONS];
        if (failAt === 0) steps[1] = failing(steps[1] as IdbStep);
        else steps.push(failing({ from: 2, to: 3, name: 'later', up: () => undefined }));
        const error = await openIdbDatabase(factory, 'crash', steps, failAt === 0 ? 2 : 3).catch((e: unknown) => e);
        expect(error).toMatchObject({ name: 'StoredDataError', details: { fromFormat: 1 } });
        expect((error as Error).message).toMatch(/simulated crash.*still at format 1/);
        const layout = await rawLayout(factory, 'crash', 'kv');
        expect(layout.version).toBe(1);
        expect(layout.names).toEqual(['kv']);
        expect(layout.rows).toEqual(idbV1Dump().kv);
        const store = await openIndexedDbStore('crash', { indexedDB: factory });
        await expectAllEntriesKept(store, entries);
        await store.close();
      }),
      { numRuns: 4 },
    );
  });
});
