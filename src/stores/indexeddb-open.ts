/**
 * Opening (creating or migrating) the IndexedDB database behind an IndexedDB store. The migration
 * registry (migrations/indexeddb-migrations.ts) runs in the `upgradeneeded` versionchange
 * transaction; a database from a newer syncline is refused with `StoreFormatTooNewError` (IndexedDB
 * itself refuses to open it at a lower version, and leaves it untouched).
 */
import { wrap, type IDBPDatabase } from 'idb';
import { StoredDataError, SynclineError } from '../core/errors.js';
import { StoreFormatTooNewError } from './migrations/format-error.js';
import { ENTRIES, ENTRY_KEY_PATH, IDB_MIGRATIONS, IDB_STORE_FORMAT, runIdbSteps, type IdbStep } from './migrations/indexeddb-migrations.js';
import { planMigration } from './migrations/registry.js';

export async function openIdbDatabase(
  factory: IDBFactory,
  name: string,
  steps: readonly IdbStep[] = IDB_MIGRATIONS,
  target: number = IDB_STORE_FORMAT,
): Promise<IDBPDatabase> {
  const where = `"${name}"`;
  let failure: { step: string; from: number; error: unknown } | undefined;
  let db: IDBPDatabase;
  try {
    // Open through the given factory (not idb's openDB, which always uses the global one).
    const request = factory.open(name, target);
    request.onupgradeneeded = (event) => {
      const tx = request.transaction as IDBTransaction;
      const context = { db: request.result, tx };
      const plan = planMigration(steps, event.oldVersion, target, { kind: 'IndexedDB', where });
      let current = plan[0]?.name ?? '';
      const tracked = plan.map((step) => ({ ...step, up: (c: typeof context) => ((current = step.name), step.up(c)) }));
      const abort = (error: unknown) => {
        failure ??= { step: current, from: event.oldVersion, error };
        try {
          tx.abort();
        } catch {
          // Already finished: the open request reports the error.
        }
      };
      try {
        runIdbSteps(tracked, context).catch(abort);
      } catch (error) {
        abort(error);
      }
    };
    db = (await wrap(request)) as IDBPDatabase;
  } catch (error) {
    if ((error as { name?: string }).name === 'VersionError') {
      throw new StoreFormatTooNewError('IndexedDB', where, await foundVersion(factory, name), target);
    }
    if (failure !== undefined) {
      throw new StoredDataError(
        `Migrating the IndexedDB store ${where} from store format ${failure.from} to ${target} failed at "${failure.step}": ` +
          `${String((failure.error as Error)?.message ?? failure.error)}. Nothing was changed; the store is still at format ${failure.from}.`,
        { cause: failure.error, details: { store: name, fromFormat: failure.from, toFormat: target, step: failure.step } },
      );
    }
    throw new SynclineError('unavailable', `Could not open the IndexedDB database ${where}: ${(error as Error).message}`, { cause: error, retryable: true });
  }
  if (!hasEntries(db)) {
    db.close();
    throw new StoredDataError(`The IndexedDB database ${where} is not a syncline store (no "${ENTRIES}" object store keyed by [t, k]).`);
  }
  return db;
}

function hasEntries(db: IDBPDatabase): boolean {
  if (!db.objectStoreNames.contains(ENTRIES)) return false;
  const keyPath = db.transaction(ENTRIES, 'readonly').objectStore(ENTRIES).keyPath;
  return Array.isArray(keyPath) && keyPath.join(',') === ENTRY_KEY_PATH.join(',');
}

/** The version of a database that refused to open, where the runtime can list databases. */
async function foundVersion(factory: IDBFactory, name: string): Promise<number | undefined> {
  try {
    const list = typeof factory.databases === 'function' ? await factory.databases() : [];
    return list.find((info) => info.name === name)?.version;
  } catch {
    return undefined;
  }
}
