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
import type { DigestLanes } from '../protocol/digest.js';
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

/** What a transaction's write-behind state looks like at a savepoint, to restore on rollback to it. */
export interface RawSnapshot {
  versions: Map<string, number>;
  lanes: Map<string, CachedLanes>;
}

interface CachedLanes {
  scope: string;
  collection: string;
  lanes: DigestLanes;
}

/**
 * A push transaction's raw handle, plus the two rows every write of it updates — the scope's version
 * and the written collection's digest lanes — kept in memory and written once, by `flush()` before
 * the commit, instead of read and written again per write. Within a push transaction nothing else
 * reads those rows (the pull and the replay run in transactions of their own, which wait for the
 * connection), so deferring them changes no answer. A savepoint takes a snapshot; rolling back to it
 * restores it, as the database restores the rows.
 */
export class RawTransaction {
  /** Scope → its current version in this transaction (as written, or to be written by flush). */
  #versions = new Map<string, number>();
  #dirtyVersions = new Set<string>();
  /** scope NUL collection → lanes as of now in this transaction. */
  #lanes = new Map<string, CachedLanes>();
  #dirtyLanes = new Set<string>();

  constructor(readonly raw: RawSqlite) {}

  get<T>(sql: string, ...params: Params): T | undefined {
    return this.raw.get<T>(sql, ...params);
  }

  all<T>(sql: string, ...params: Params): T[] {
    return this.raw.all<T>(sql, ...params);
  }

  run(sql: string, ...params: Params): void {
    this.raw.run(sql, ...params);
  }

  /** The scope's version as this transaction sees it, when known without a read. */
  cachedVersion(scope: string): number | undefined {
    return this.#versions.get(scope);
  }

  /** Note the scope's version; `dirty`: not yet in the row. */
  setVersion(scope: string, version: number, dirty: boolean): void {
    this.#versions.set(scope, version);
    if (dirty) this.#dirtyVersions.add(scope);
  }

  cachedLanes(scope: string, collection: string): DigestLanes | undefined {
    return this.#lanes.get(`${scope}\u0000${collection}`)?.lanes;
  }

  setLanes(scope: string, collection: string, lanes: DigestLanes): void {
    const key = `${scope}\u0000${collection}`;
    this.#lanes.set(key, { scope, collection, lanes });
    this.#dirtyLanes.add(key);
  }

  snapshot(): RawSnapshot {
    return { versions: new Map(this.#versions), lanes: new Map(this.#lanes) };
  }

  /**
   * Back to `snapshot` (rollback to its savepoint). Entries stay marked dirty: writing an unchanged
   * value again is harmless, and a row the rollback restored gets the snapshot's value, which is its own.
   */
  restore(snapshot: RawSnapshot): void {
    this.#versions = snapshot.versions;
    this.#lanes = snapshot.lanes;
  }

  /** Write the deferred rows; call before the commit. */
  flush(): void {
    for (const scope of this.#dirtyVersions) {
      const version = this.#versions.get(scope);
      if (version !== undefined) this.raw.run('UPDATE scopes SET version = ? WHERE scope = ?', version, scope);
    }
    for (const key of this.#dirtyLanes) {
      const entry = this.#lanes.get(key);
      if (entry === undefined) continue;
      this.raw.run(
        'INSERT INTO digests (scope, collection, count, lane_a, lane_b) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (scope, collection) DO UPDATE SET count = excluded.count, lane_a = excluded.lane_a, lane_b = excluded.lane_b',
        entry.scope, entry.collection, entry.lanes.count, entry.lanes.a, entry.lanes.b,
      );
    }
    this.#dirtyVersions.clear();
    this.#dirtyLanes.clear();
  }
}

/** Root databases opened by openSqliteDatabase → their raw handle. Never used for queries directly. */
const roots = new WeakMap<Executor, RawSqlite>();
/** Open push transactions whose storage calls run raw. */
const bound = new WeakMap<Executor, RawTransaction>();

export function registerRawSqlite(db: Executor, sqlite: Database.Database): void {
  roots.set(db, new RawSqlite(sqlite));
}

/**
 * Let storage calls on `trx` (a transaction opened on `root`, holding its connection until it ends)
 * run raw. Returns the transaction's raw handle — whose `flush()` must run before the commit — or
 * undefined when `root` is not a database this server opened (a caller's own Kysely, PostgreSQL):
 * everything then stays on kysely.
 */
export function bindRawSqlite(trx: Executor, root: Executor): RawTransaction | undefined {
  const raw = roots.get(root);
  if (raw === undefined) return undefined;
  const transaction = new RawTransaction(raw);
  bound.set(trx, transaction);
  return transaction;
}

/** The raw handle for storage calls on `executor`, when it is a bound push transaction. */
export function rawSqlite(executor: Executor): RawTransaction | undefined {
  return bound.get(executor);
}
