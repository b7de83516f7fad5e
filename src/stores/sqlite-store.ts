/**
 * The durable Node `Store`: one SQLite file (better-sqlite3, WAL) with a single `kv` table.
 *
 * Two connections: the writer runs `BEGIN IMMEDIATE … COMMIT` behind a mutex shared by every
 * instance on that file in this process (the body awaits between statements, so nothing else may use
 * the connection meanwhile; see sqlite-file-locks.ts); other processes are kept out by SQLite's write
 * lock and `busy_timeout`. The reader runs deferred `BEGIN … COMMIT` behind its own mutex, so each
 * read sees one WAL snapshot and never waits for a write. better-sqlite3 is synchronous: waiting for
 * another process's lock blocks the event loop for up to `busyTimeoutMs`. Because of the mutexes, a
 * read body must not await another read of the same store, nor a write body another write.
 *
 * Durability: `'full'` (default) fsyncs the WAL on every commit and survives power loss; `'normal'`
 * survives a killed process (SIGKILL) but may lose the last commits on power loss.
 */
import type Database from 'better-sqlite3';
import { InvalidArgumentError } from '../core/errors.js';
import { Mutex } from '../core/mutex.js';
import { sqliteFailure } from './sqlite-errors.js';
import { acquireFileWriteLock, type FileWriteLock } from './sqlite-file-locks.js';
import { openConnection, prepareSchema, type ConnectionSettings } from './sqlite-schema.js';
import { ReadStatements, WriteStatements } from './sqlite-statements.js';
import { SqliteReader, SqliteWriter } from './sqlite-transactions.js';
import { CloseGate, TxScope } from './store-lifecycle.js';
import type { Store, StoreReader, StoreWriter } from './store.js';

export interface SqliteStoreOptions {
  /** `PRAGMA synchronous`: 'full' survives power loss, 'normal' only a killed process. Default 'full'. */
  durability?: 'full' | 'normal';
  /** How long a write waits for another connection's write lock before failing (retryably). Default 5000. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the SQLite store at `path`.
 * @example const store = await openSqliteStore('./data/client.sqlite');
 */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) {
    throw new InvalidArgumentError(
      `openSqliteStore needs a file path, got ${JSON.stringify(path)}; use createMemoryStore for an in-memory store.`,
    );
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new InvalidArgumentError(`busyTimeoutMs must be a non-negative integer; got ${busyTimeoutMs}.`);
  }
  const settings: ConnectionSettings = {
    path,
    busyTimeoutMs,
    durability: options.durability ?? 'full',
  };
  const writer = openConnection(settings, 'writer');
  let reader: Database.Database | undefined;
  try {
    prepareSchema(writer, settings);
    reader = openConnection(settings, 'reader');
    return new SqliteStore(settings, writer, reader, acquireFileWriteLock(path));
  } catch (error) {
    reader?.close();
    writer.close();
    throw sqliteFailure(path, settings.busyTimeoutMs, error);
  }
}

class SqliteStore implements Store {
  readonly name: string;
  readonly #settings: ConnectionSettings;
  readonly #writer: Connection<WriteStatements>;
  readonly #reader: Connection<ReadStatements>;
  readonly #gate = new CloseGate();
  readonly #fileLock: FileWriteLock;

  constructor(settings: ConnectionSettings, writer: Database.Database, reader: Database.Database, fileLock: FileWriteLock) {
    this.name = `sqlite:${settings.path}`;
    this.#settings = settings;
    this.#fileLock = fileLock;
    const writeOps = new WriteStatements(writer, this.name);
    this.#writer = new Connection(writer, writeOps, 'BEGIN IMMEDIATE', fileLock.mutex);
    this.#reader = new Connection(reader, new ReadStatements(reader, this.name), 'BEGIN', new Mutex());
  }

  read<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    return this.#gate.run(() =>
      this.#transaction(this.#reader, (ops, scope) => fn(new SqliteReader(ops, scope, this.#fail))),
    );
  }

  write<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    return this.#gate.run(() =>
      this.#transaction(this.#writer, (ops, scope) => fn(new SqliteWriter(ops, scope, this.#fail))),
    );
  }

  close(): Promise<void> {
    return this.#gate.close(() => {
      this.#reader.db.close();
      this.#writer.db.close();
      this.#fileLock.release();
    });
  }

  readonly #fail = (error: unknown): Error =>
    sqliteFailure(this.#settings.path, this.#settings.busyTimeoutMs, error);

  #transaction<S extends ReadStatements, T>(
    connection: Connection<S>,
    body: (ops: S, scope: TxScope) => Promise<T>,
  ): Promise<T> {
    return connection.lock.run(async () => {
      this.#begin(connection);
      const scope = new TxScope();
      try {
        const result = await body(connection.ops, scope);
        scope.end();
        this.#commit(connection);
        return result;
      } finally {
        scope.end();
        rollbackIfOpen(connection);
      }
    });
  }

  #commit(connection: Connection<ReadStatements>): void {
    try {
      connection.commit.run();
    } catch (error) {
      throw this.#fail(error);
    }
  }

  #begin(connection: Connection<ReadStatements>): void {
    try {
      connection.begin.run();
    } catch (error) {
      // SQLITE_BUSY here means another process held the write lock past busy_timeout: retryable.
      throw this.#fail(error);
    }
  }
}

function rollbackIfOpen(connection: Connection<ReadStatements>): void {
  if (!connection.db.inTransaction) return;
  try {
    connection.rollback.run();
  } catch {
    // The error that got us here matters more; a connection left in a transaction fails its next BEGIN loudly.
  }
}

/** A connection with its mutex, its statements and its transaction control statements. */
class Connection<S extends ReadStatements> {
  readonly begin: Database.Statement;
  readonly commit: Database.Statement;
  readonly rollback: Database.Statement;

  constructor(
    readonly db: Database.Database,
    readonly ops: S,
    beginSql: string,
    /** Held for a whole transaction: its body awaits between statements on this connection. */
    readonly lock: Mutex,
  ) {
    this.begin = db.prepare(beginSql);
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
  }
}
