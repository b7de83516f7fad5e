/**
 * SQLITE-ONLY. The one place that knows the server runs on SQLite: opening the file with
 * better-sqlite3 and its pragmas. Everything else speaks portable kysely, so a PostgreSQL `Kysely`
 * instance can be passed as `database` instead.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { ServerDatabase } from './schema.js';

/** How long a write waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

export function openSqliteDatabase(path: string): Kysely<ServerDatabase> {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  try {
    // Set first, so switching to WAL waits out another process's lock instead of failing at once.
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL lets pulls read while a push writes; NORMAL sync is durable across process crashes in WAL.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
  } catch (error) {
    // The server retries a locked file; do not leave this handle open behind it.
    sqlite.close();
    throw error;
  }
  // kysely's SqliteDialect drives one connection behind a mutex: exactly one writer per process.
  return new Kysely<ServerDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
}
