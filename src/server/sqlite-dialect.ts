/**
 * SQLITE-ONLY. The one place that knows the server runs on SQLite: opening the file with
 * better-sqlite3 and its pragmas. Everything else speaks portable kysely, so a PostgreSQL `Kysely`
 * instance can be passed as `database` instead.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import type { ServerDatabase } from './schema.js';
import type { Durability } from './types.js';
import { registerRawSqlite } from './sqlite-raw.js';

/** How long a write waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;
/**
 * Distinct SQL texts kept prepared. The server issues a few dozen shapes; multi-row inserts add one
 * shape per row count, so the bound keeps a long-running server from holding every count it ever saw.
 */
const STATEMENT_CACHE_SIZE = 256;

export function openSqliteDatabase(path: string, durability: Durability = 'durable'): Kysely<ServerDatabase> {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  try {
    // Set first, so switching to WAL waits out another process's lock instead of failing at once.
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL lets pulls read while a push writes. FULL fsyncs the WAL on every commit, so an acknowledged
    // push survives a power loss; NORMAL ('relaxed') survives only a process crash.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${durability === 'relaxed' ? 'NORMAL' : 'FULL'}`);
  } catch (error) {
    // The server retries a locked file; do not leave this handle open behind it.
    sqlite.close();
    throw error;
  }
  // kysely's SqliteDialect drives one connection behind a mutex: exactly one writer per process.
  const db = new Kysely<ServerDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  // Push transactions run their hot statements on the handle directly (src/server/sqlite-raw.ts).
  registerRawSqlite(db, sqlite);
  return db;
}

/**
 * kysely's SqliteDriver calls `prepare(sql)` for every query, and preparing was ~18 % of the server's
 * busy time. This hands back a statement already prepared for the same SQL text instead (LRU-bounded).
 * The driver runs each statement to completion synchronously (`all`/`run`), so a cached statement
 * is never in use twice — except one still being iterated by a streaming query (`iterate`), which
 * better-sqlite3 reports as `busy`: that caller gets a fresh statement.
 */
export function withStatementCache(sqlite: Database.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(sqlText: string): SqliteStatement {
      const cached = cache.get(sqlText);
      if (cached !== undefined && !cached.busy) {
        // Re-insert: Map order is the LRU order.
        cache.delete(sqlText);
        cache.set(sqlText, cached);
        return cached;
      }
      const statement = sqlite.prepare(sqlText);
      if (cached === undefined) {
        cache.set(sqlText, statement);
        if (cache.size > size) cache.delete(cache.keys().next().value as string);
      }
      return statement;
    },
  };
}
