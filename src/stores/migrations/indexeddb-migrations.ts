/**
 * IndexedDB store format history (the format number is the database version):
 *  - 1: object store `kv`, out-of-line keys `[table, key]`, the value as stored.
 *  - 2: object store `entries` with in-line keys: rows `{ t: table, k: key, v: value }`, keyPath
 *       `['t', 'k']`. Why: a row now carries its own key, so a forward scan is ONE `getAll(range,
 *       limit)` request that returns keys and values together, instead of a cursor that costs one
 *       request and one event-loop round trip per row (format 1 could only page with two parallel
 *       requests, `getAllKeys` + `getAll`, and still needed the cursor for keys). At 100k records a
 *       client boot or pull-apply reads whole collections; per-row round trips dominate that.
 *
 * Steps run inside the `upgradeneeded` versionchange transaction, the only place IndexedDB allows
 * creating object stores. That transaction commits as soon as no request is pending, so a step may
 * await only requests on `context.tx` (never a timer, fetch or another database) — the same rule as
 * the Store contract's clause 6. Any failure aborts the transaction, which leaves the previous
 * version and its data exactly as they were.
 */
import type { MigrationStep } from './registry.js';

export interface IdbMigrationContext {
  readonly db: IDBDatabase;
  readonly tx: IDBTransaction;
}
export type IdbStep = MigrationStep<IdbMigrationContext>;

/** The object store and key path of the current format. */
export const ENTRIES = 'entries';
export const ENTRY_KEY_PATH = ['t', 'k'];
const V1_KV = 'kv';

export const IDB_MIGRATIONS: readonly IdbStep[] = [
  {
    from: 0,
    to: 1,
    name: 'create the kv object store',
    up({ db }) {
      if (!db.objectStoreNames.contains(V1_KV)) db.createObjectStore(V1_KV);
    },
  },
  {
    from: 1,
    to: 2,
    name: 'copy kv into entries with in-line [t, k] keys',
    up({ db, tx }) {
      if (!db.objectStoreNames.contains(V1_KV)) return;
      const entries = db.objectStoreNames.contains(ENTRIES)
        ? tx.objectStore(ENTRIES)
        : db.createObjectStore(ENTRIES, { keyPath: ENTRY_KEY_PATH });
      return new Promise<void>((resolve, reject) => {
        const cursorRequest = tx.objectStore(V1_KV).openCursor();
        cursorRequest.onerror = () => reject(cursorRequest.error ?? new Error('cursor failed'));
        cursorRequest.onsuccess = () => {
          try {
            const cursor = cursorRequest.result;
            if (cursor === null) {
              db.deleteObjectStore(V1_KV);
              resolve();
              return;
            }
            const [t, k] = cursor.key as [string, string];
            entries.put({ t, k, v: cursor.value as unknown });
            cursor.continue();
          } catch (error) {
            reject(error);
          }
        };
      });
    },
  },
];

/** The store format this syncline writes: the end of the chain. */
export const IDB_STORE_FORMAT = IDB_MIGRATIONS.at(-1)?.to ?? 0;

/**
 * Runs the plan in order inside the versionchange transaction. Synchronous steps run back to back in
 * the event handler; after an asynchronous one the next starts from its request's callback, while the
 * transaction is still active.
 */
export function runIdbSteps(plan: readonly IdbStep[], context: IdbMigrationContext, from = 0): Promise<void> {
  for (let i = from; i < plan.length; i++) {
    const done = (plan[i] as IdbStep).up(context);
    if (done instanceof Promise) return done.then(() => runIdbSteps(plan, context, i + 1));
  }
  return Promise.resolve();
}
