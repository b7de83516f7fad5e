/**
 * Opening the IndexedDB database behind an IndexedDB store. The common case — a database already at
 * the current store format — is one plain open. Only a new or older database loads the migration
 * registry (migrations/indexeddb-migrations.ts, a lazy chunk outside the web client's bundle budget:
 * failure messages are built there too) and reopens at the current version, so that the registry's
 * steps run in the `upgradeneeded` versionchange transaction. A database from a newer syncline, or
 * one syncline did not make, is refused before anything writes to it.
 */
import { wrap, type IDBPDatabase } from 'idb';
import { isSynclineError, StoredDataError, SynclineError } from '../core/errors.js';
import { ENTRIES, ENTRY_KEY_PATH, IDB_STORE_FORMAT } from './indexeddb-layout.js';
import { StoreFormatTooNewError } from './migrations/format-error.js';
import type { IdbMigrationFailure, IdbStep } from './migrations/indexeddb-migrations.js';

export async function openIdbDatabase(
  factory: IDBFactory,
  name: string,
  steps?: readonly IdbStep[],
  target: number = IDB_STORE_FORMAT,
): Promise<IDBPDatabase> {
  const where = `"${name}"`;
  try {
    // No version: opens whatever version is there (a new database is created empty at version 1).
    let db = (await wrap(factory.open(name))) as IDBPDatabase;
    if (db.version === target && steps === undefined) return checked(db, where);
    const { version } = db;
    db.close();
    if (version > target) throw new StoreFormatTooNewError('IndexedDB', where, version, target);
    const { migrateIdbDatabase } = await import('./migrations/indexeddb-migrations.js');
    db = wrap(await migrateIdbDatabase(factory, name, target, steps).catch((e: { failure?: IdbMigrationFailure }) => {
      throw e.failure === undefined ? e : new StoredDataError(e.failure.message, { cause: e.failure.error, details: e.failure });
    }));
    return checked(db, where);
  } catch (error) {
    if (isSynclineError(error)) throw error;
    throw new SynclineError('unavailable', `Could not open the IndexedDB database ${where}: ${(error as Error).message}`, { cause: error, retryable: true });
  }
}

function checked(db: IDBPDatabase, where: string): IDBPDatabase {
  const keyPath = db.objectStoreNames.contains(ENTRIES) ? db.transaction(ENTRIES, 'readonly').objectStore(ENTRIES).keyPath : null;
  if (db.objectStoreNames.length === 1 && String(keyPath) === String(ENTRY_KEY_PATH)) return db;
  db.close();
  throw notOurs(where);
}

function notOurs(where: string): StoredDataError {
  return new StoredDataError(`The IndexedDB database ${where} is not a syncline store. Use another database name.`);
}
