/**
 * A client store opened for reading only, for `syncline status`: the file is opened with SQLite's
 * read-only flag (no schema is created, no pragma written, no journal mode changed), and a file that
 * is not a syncline client store — empty, another SQLite database, not SQLite at all — is refused
 * before anything is read from it. `write()` always refuses.
 */
import Database from 'better-sqlite3';
import { InvalidArgumentError, StoredDataError } from '../core/errors.js';
import { Mutex } from '../core/mutex.js';
import { sqliteFailure } from '../stores/sqlite-errors.js';
import { SQLITE_STORE_FORMAT } from '../stores/sqlite-schema.js';
import { SQLITE_LAYOUTS } from '../stores/migrations/sqlite-migrations.js';
import { ReadStatements } from '../stores/sqlite-statements.js';
import { SqliteReader } from '../stores/sqlite-transactions.js';
import { TxScope } from '../stores/store-lifecycle.js';
import type { Store, StoreReader } from '../stores/store.js';

const BUSY_TIMEOUT_MS = 5000;

export function openReadOnlyStore(path: string): Store {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new InvalidArgumentError(`Cannot open ${path} read-only: ${(error as Error).message}.`, { cause: error });
  }
  try {
    assertClientStore(db, path);
    return new ReadOnlyStore(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * The shape of a store format this syncline knows (`SQLITE_LAYOUTS`: format 1 or 2, one `kv` table);
 * an older format is read as it is — migrating it would be a write.
 */
function assertClientStore(db: Database.Database, path: string): void {
  let version: number;
  let tables: string[];
  try {
    version = db.pragma('user_version', { simple: true }) as number;
    tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().all() as string[];
  } catch (error) {
    // "file is not a database" and the like: not SQLite at all.
    throw new StoredDataError(`${path} is not a syncline client store (${(error as Error).message}); nothing was written to it.`, { cause: error, details: { path } });
  }
  const columns = tables.length === 1 && tables[0] === 'kv' ? (db.prepare("SELECT name FROM pragma_table_info('kv')").pluck().all() as string[]).join(',') : '';
  if (columns !== '' && SQLITE_LAYOUTS[version]?.columns === columns) return;
  if (version > SQLITE_STORE_FORMAT) {
    throw new StoredDataError(`${path} has client store format ${version}; this syncline reads format ${SQLITE_STORE_FORMAT}: upgrade syncline.`, { details: { path, foundVersion: version } });
  }
  const what = version === 0 && tables.length === 0 ? 'an empty database' : `user_version ${version}, tables: ${tables.join(', ') || 'none'}`;
  throw new StoredDataError(`${path} is not a syncline client store (${what}); nothing was written to it. Point --db at the file a client opened with openSqliteStore.`, { details: { path, foundVersion: version, tables } });
}

class ReadOnlyStore implements Store {
  readonly name: string;
  readonly #db: Database.Database;
  readonly #ops: ReadStatements;
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #lock = new Mutex();
  readonly #fail: (error: unknown) => Error;

  constructor(db: Database.Database, path: string) {
    this.name = `sqlite-readonly:${path}`;
    this.#db = db;
    this.#ops = new ReadStatements(db, this.name);
    this.#begin = db.prepare('BEGIN');
    this.#commit = db.prepare('COMMIT');
    this.#fail = (error) => sqliteFailure(path, BUSY_TIMEOUT_MS, error);
  }

  /** One deferred transaction per read, so the read sees one snapshot while a client writes. */
  read<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    return this.#lock.run(async () => {
      this.#begin.run();
      const scope = new TxScope();
      try {
        return await fn(new SqliteReader(this.#ops, scope, this.#fail));
      } finally {
        scope.end();
        if (this.#db.inTransaction) this.#commit.run();
      }
    });
  }

  write<T>(): Promise<T> {
    return Promise.reject(new InvalidArgumentError(`${this.name} is open read-only.`));
  }

  close(): Promise<void> {
    this.#db.close();
    return Promise.resolve();
  }
}
