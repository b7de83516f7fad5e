/**
 * SQLITE-ONLY. The push's hot statements, run on better-sqlite3 directly instead of through kysely:
 * building and compiling a kysely query cost more than SQLite executing it (~half of the server's
 * CPU per generic put, bench/write-path). The storage functions keep their signatures and their
 * portable kysely form; each asks `rawSqlite(executor)` first and runs its hand-written SQL when the
 * executor is a push transaction on a database this server opened with better-sqlite3.
 *
 * Why this is safe only inside a bound transaction: kysely's SqliteDialect runs one connection behind
 * a mutex, and an open transaction holds it until commit or rollback. A statement run on the raw
 * handle while that transaction's code is running is therefore part of that transaction, and nothing
 * else can interleave (better-sqlite3 is synchronous). On the root `Kysely`, outside a transaction,
 * another request's transaction may hold the connection, so the root is never bound.
 */
import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { ServerDatabase } from './schema.js';

type Params = ReadonlyArray<string | number | null>;

/** A better-sqlite3 handle with every SQL text prepared once. */
export class RawSqlite {
  readonly #statements = new Map<string, Database.Statement>();

  constructor(readonly sqlite: Database.Database) {}

  get<T>(sql: string, ...params: Params): T | undefined {
    return this.#prepared(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, ...params: Params): T[] {
    return this.#prepared(sql).all(...params) as T[];
  }

  run(sql: string, ...params: Params): void {
    this.#prepared(sql).run(...params);
  }

  #prepared(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      // The SQL texts are constants of this code base: the map stays as small as they are many.
      statement = this.sqlite.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

type Executor = Kysely<ServerDatabase>;

/** Root databases opened by openSqliteDatabase → their raw handle. Never used for queries directly. */
const roots = new WeakMap<Executor, RawSqlite>();
/** Open transactions (and their savepoints) whose storage calls may run raw. */
const bound = new WeakMap<Executor, RawSqlite>();

export function registerRawSqlite(db: Executor, sqlite: Database.Database): void {
  roots.set(db, new RawSqlite(sqlite));
}

/**
 * Let storage calls on `trx` (a transaction opened on `root`, holding its connection until it ends)
 * run raw. Returns the raw handle, or undefined when `root` is not a database this server opened
 * (a caller's own Kysely, PostgreSQL): everything then stays on kysely.
 */
export function bindRawSqlite(trx: Executor, root: Executor): RawSqlite | undefined {
  const raw = roots.get(root);
  if (raw !== undefined) bound.set(trx, raw);
  return raw;
}

/** The raw handle for storage calls on `executor`, when it is a bound transaction. */
export function rawSqlite(executor: Executor): RawSqlite | undefined {
  return bound.get(executor);
}
