/**
 * A durable `Store` on an asynchronous SQLite connection (`SqlDatabase`): the React Native store
 * (`syncline/react-native`, over op-sqlite or expo-sqlite), and any other platform whose SQLite
 * answers with promises.
 *
 * One connection per store, so every transaction (reads too) runs behind one mutex: a read waits
 * for a running write of the same store instead of reading beside it (the conformance suite's
 * `readsWaitForWrites`). Other connections on the same file (another store instance, a background
 * task) are kept out by SQLite's write lock: `BEGIN IMMEDIATE` that meets SQLITE_BUSY is retried on
 * the injected timers with growing pauses, for up to `busyTimeoutMs`, rather than blocking a
 * thread, because a driver that runs SQLite on the JavaScript thread would otherwise wait for a
 * lock holder that cannot move until it returns. Values are JSON text and keys go through the
 * SQLite store's key encoding, so the file is the same format as `openSqliteStore`'s.
 *
 * Durability: `'full'` (default) is `PRAGMA synchronous = FULL` in WAL mode: a commit is on disk when
 * `write` resolves, and survives power loss. `'normal'` survives a killed app only.
 */
import { InvalidArgumentError, StoredDataError, SynclineError, isSynclineError } from '../core/errors.js';
import { Mutex } from '../core/mutex.js';
import { systemTimers, type Timers } from '../core/seams.js';
import type { JsonValue } from '../protocol/json.js';
import { assertTableAndKey, keyRange, scanLimit, type KeyRange } from './key-range.js';
import type { SqlDatabase, SqlParam } from './sql-database.js';
import { prepareSqlSchema } from './sql-store-schema.js';
import { decodeKey, encodeKey } from './sqlite-keys.js';
import { CloseGate, TxScope } from './store-lifecycle.js';
import type { ScanOptions, Store, StoreWriter, TableName } from './store.js';

export interface SqlStoreOptions {
  /** Shown in logs and errors, e.g. the database file name. Default "sql". */
  name?: string;
  /** 'full' survives power loss, 'normal' only a killed app. Default 'full'. */
  durability?: 'full' | 'normal';
  /** How long a write waits for another connection's write lock before failing (retryably). Default 5000. */
  busyTimeoutMs?: number;
  timers?: Timers;
}

type Entry = [key: string, value: JsonValue];

/** Opens a store on `db`, creating its table in an empty database. The store owns `db` and closes it. */
export async function openSqlStore(db: SqlDatabase, options: SqlStoreOptions = {}): Promise<Store> {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw new InvalidArgumentError(`busyTimeoutMs must be a non-negative integer; got ${busyTimeoutMs}.`);
  const name = `sql:${options.name ?? 'sql'}`;
  const store = new SqlStore(db, name, busyTimeoutMs, options.timers ?? systemTimers);
  try {
    await store.retryBusy(() => prepareSqlSchema(db, name, options.durability ?? 'full'));
  } catch (error) {
    await db.close().catch(() => undefined);
    throw store.fail(error);
  }
  return store;
}

class SqlStore implements Store {
  readonly name: string;
  readonly #db: SqlDatabase;
  readonly #lock = new Mutex();
  readonly #gate = new CloseGate();
  readonly #busyTimeoutMs: number;
  readonly #timers: Timers;

  constructor(db: SqlDatabase, name: string, busyTimeoutMs: number, timers: Timers) {
    this.#db = db;
    this.name = name;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#timers = timers;
  }

  read<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.#transaction('BEGIN', fn);
  }

  write<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    return this.#transaction('BEGIN IMMEDIATE', fn);
  }

  close(): Promise<void> {
    return this.#gate.close(() => this.#lock.run(() => this.#db.close()));
  }

  #transaction<T>(begin: string, fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.#gate.run(() =>
      this.#lock.run(async () => {
        await this.retryBusy(() => this.#db.execute(begin)).catch((error: unknown) => Promise.reject(this.fail(error)));
        const scope = new TxScope();
        let done = false;
        try {
          // The body's own errors pass through unchanged; the transaction's statements map theirs.
          const result = await fn(new SqlTransaction(this.#db, scope, this.fail));
          scope.end();
          await this.#db.execute('COMMIT').catch((error: unknown) => Promise.reject(this.fail(error)));
          done = true;
          return result;
        } finally {
          scope.end();
          if (!done) await this.#db.execute('ROLLBACK').catch(() => undefined);
        }
      }),
    );
  }

  /** Runs `fn` again while it fails with SQLITE_BUSY, pausing 1, 2, 4 … 50 ms, for up to busyTimeoutMs. */
  async retryBusy<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = this.#timers.now() + this.#busyTimeoutMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      try {
        return await fn();
      } catch (error) {
        if (!isBusy(error) || this.#timers.now() + pause > deadline) throw error;
        await new Promise<void>((resolve) => this.#timers.setTimeout(resolve, pause));
      }
    }
  }

  readonly fail = (error: unknown): Error => {
    if (isSynclineError(error)) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (isBusy(error)) {
      return new SynclineError('unavailable', `The store ${this.name} stayed locked by another connection for more than ${this.#busyTimeoutMs} ms, so the transaction did not run. Retry it later, or raise busyTimeoutMs.`, { cause: error, retryable: true });
    }
    return new SynclineError('internal', `The store ${this.name} failed: ${message}`, { cause: error, retryable: /SQLITE_(FULL|IOERR)/.test(message) });
  };
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const text = `${typeof code === 'string' ? code : ''} ${error instanceof Error ? error.message : String(error)}`;
  return /SQLITE_(BUSY|LOCKED)|database is locked/i.test(text);
}

const RANGE = 'FROM kv WHERE tbl = ? AND k >= ?';

class SqlTransaction implements StoreWriter {
  readonly #db: SqlDatabase;
  readonly #scope: TxScope;
  readonly #fail: (error: unknown) => Error;

  constructor(db: SqlDatabase, scope: TxScope, fail: (error: unknown) => Error) {
    this.#db = db;
    this.#scope = scope;
    this.#fail = fail;
  }

  async get(table: TableName, key: string): Promise<JsonValue | undefined> {
    this.#scope.assertOpen();
    assertTableAndKey(table, key);
    const rows = await this.#run('SELECT v FROM kv WHERE tbl = ? AND k = ?', [encodeKey(table), encodeKey(key)]);
    return rows.length === 0 ? undefined : this.#parse(table, key, rows[0]?.['v']);
  }

  async scan(table: TableName, options: ScanOptions = {}): Promise<Entry[]> {
    this.#scope.assertOpen();
    const range = keyRange(options);
    const limit = scanLimit(options);
    if (range === undefined || limit === 0) return [];
    const bound = range.upper === undefined ? '' : ' AND k < ?';
    const order = options.reverse === true ? 'DESC' : 'ASC';
    // SQLite reads a negative LIMIT as "no limit".
    const rows = await this.#run(`SELECT k, v ${RANGE}${bound} ORDER BY k ${order} LIMIT ?`, [...rangeParams(table, range), Number.isFinite(limit) ? limit : -1]);
    return rows.map((row) => {
      const key = decodeKey(String(row['k']));
      return [key, this.#parse(table, key, row['v'])];
    });
  }

  async count(table: TableName, options: Pick<ScanOptions, 'prefix'> = {}): Promise<number> {
    this.#scope.assertOpen();
    const range = keyRange(options);
    if (range === undefined) return 0;
    const bound = range.upper === undefined ? '' : ' AND k < ?';
    const rows = await this.#run(`SELECT count(*) AS n ${RANGE}${bound}`, rangeParams(table, range));
    return Number(rows[0]?.['n'] ?? 0);
  }

  async put(table: TableName, key: string, value: JsonValue): Promise<void> {
    this.#scope.assertOpen();
    assertTableAndKey(table, key);
    let text: string | undefined;
    try {
      text = JSON.stringify(value) as string | undefined;
    } catch (error) {
      throw new InvalidArgumentError(`The value for ${table}/${key} is not a JSON value.`, { cause: error });
    }
    if (text === undefined) throw new InvalidArgumentError(`Cannot store ${typeof value} in ${table}/${key}; store a JSON value or delete the key.`);
    // An upsert keeps the row id (format 2), so rows stay in the order they were first written.
    await this.#run('INSERT INTO kv (tbl, k, v) VALUES (?, ?, ?) ON CONFLICT (tbl, k) DO UPDATE SET v = excluded.v', [encodeKey(table), encodeKey(key), text]);
  }

  async delete(table: TableName, key: string): Promise<void> {
    this.#scope.assertOpen();
    assertTableAndKey(table, key);
    await this.#run('DELETE FROM kv WHERE tbl = ? AND k = ?', [encodeKey(table), encodeKey(key)]);
  }

  async #run(sql: string, params: SqlParam[]): Promise<ReadonlyArray<Record<string, unknown>>> {
    try {
      return await this.#db.execute(sql, params);
    } catch (error) {
      throw this.#fail(error);
    }
  }

  #parse(table: string, key: string, text: unknown): JsonValue {
    try {
      if (typeof text !== 'string') throw new TypeError(`expected JSON text, found ${typeof text}`);
      return JSON.parse(text) as JsonValue;
    } catch (error) {
      throw new StoredDataError(`The value of key ${JSON.stringify(key)} in table ${JSON.stringify(table)} is not valid JSON, so the database was changed outside syncline or is damaged. Delete that key or restore the database.`, { cause: error, details: { table, key } });
    }
  }
}

function rangeParams(table: string, range: KeyRange): SqlParam[] {
  const params: SqlParam[] = [encodeKey(table), encodeKey(range.lower)];
  if (range.upper !== undefined) params.push(encodeKey(range.upper));
  return params;
}
