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
// Loaded lazily (see indexeddb-open.ts): imports nothing the eager web bundle also imports, so it
// stays one lazy chunk instead of splitting shared code into an extra eager one.
import { planMigration, type MigrationStep } from './registry.js';

export interface IdbMigrationContext {
  readonly db: IDBDatabase;
  readonly tx: IDBTransaction;
}
export type IdbStep = MigrationStep<IdbMigrationContext>;

const V1_KV = 'kv';
/** Format 2's object store and key path (indexeddb-layout.ts names them for the eager code; a test checks they agree). */
export const V2_ENTRIES = 'entries';
export const V2_KEY_PATH = ['t', 'k'];

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
      const entries = db.objectStoreNames.contains(V2_ENTRIES)
        ? tx.objectStore(V2_ENTRIES)
        : db.createObjectStore(V2_ENTRIES, { keyPath: V2_KEY_PATH });
      if (!db.objectStoreNames.contains(V1_KV)) return;
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

/** The store format the chain ends at; indexeddb-layout.ts states it for the eager bundle (a test checks they agree). */
export const IDB_CHAIN_END = IDB_MIGRATIONS.at(-1)?.to ?? 0;

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

/** Why a migration did not happen: what to tell the user, the step that failed, from which format, and the cause. */
export type IdbMigrationFailure = {
  message: string;
  step: string;
  fromFormat: number;
  toFormat: number;
  error: unknown;
};

/**
 * Opens `name` at format `target`, running the plan in its versionchange transaction. A failing step
 * aborts that transaction (the database stays at its previous version, data unchanged); the promise
 * then rejects with `{ failure }`, which the caller reports as a StoredDataError. Any other open
 * failure rejects with the request's error.
 */
export function migrateIdbDatabase(
  factory: IDBFactory,
  name: string,
  target: number,
  steps: readonly IdbStep[] = IDB_MIGRATIONS,
): Promise<IDBDatabase> {
  let failure: IdbMigrationFailure | undefined;
  const request = factory.open(name, target);
  request.onupgradeneeded = (event) => {
    const tx = request.transaction as IDBTransaction;
    const from = event.oldVersion;
    let current = 'checking the layout';
    const abort = (error: unknown) => {
      failure ??= {
        message:
          `Migrating the IndexedDB store "${name}" from store format ${from} to ${target} failed at "${current}": ` +
          `${(error as Error | undefined)?.message ?? String(error)}. Nothing was changed; the store is still at format ${from}.`,
        step: current,
        fromFormat: from,
        toFormat: target,
        error,
      };
      try {
        tx.abort();
      } catch {
        // Already finished: the open request reports the error.
      }
    };
    try {
      const stores = Array.from({ length: tx.objectStoreNames.length }, (_, i) => tx.objectStoreNames.item(i));
      // Format 1 has at most `kv`: anything else was not made by syncline; refuse it rather than add to it.
      if (stores.some((s) => s !== V1_KV && s !== V2_ENTRIES)) throw new Error('this database is not a syncline store');
      const { plan, missing } = planMigration(steps, from, target);
      if (plan === undefined) throw new Error(`the registry has no step from format ${missing}`);
      const tracked = plan.map((step) => ({ ...step, up: (c: IdbMigrationContext) => ((current = step.name), step.up(c)) }));
      runIdbSteps(tracked, { db: request.result, tx }).catch(abort);
    } catch (error) {
      abort(error);
    }
  };
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(failure === undefined ? request.error : { failure });
  });
}
