/**
 * Opening a SQLite store file: connection pragmas, and creating or validating the one `kv` table.
 *
 * Format version history (kept in `PRAGMA user_version`):
 *  - 1: `kv(tbl, k, v)`; keys encoded by `sqlite-keys.ts`, values as JSON text.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InvalidArgumentError, StoredDataError } from '../core/errors.js';
import { sqliteFailure } from './sqlite-errors.js';

export const SQLITE_STORE_FORMAT = 1;

export interface ConnectionSettings {
  path: string;
  busyTimeoutMs: number;
  durability: 'full' | 'normal';
}

/** Opens a connection; `reader` connections refuse writes. */
export function openConnection(settings: ConnectionSettings, role: 'writer' | 'reader'): Database.Database {
  const { path, busyTimeoutMs } = settings;
  let db: Database.Database;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw new InvalidArgumentError(
      `Cannot open the SQLite store at ${path}: ${(error as Error).message}. Check the path and its permissions.`,
      { cause: error },
    );
  }
  try {
    if (role === 'reader') db.pragma('query_only = ON');
    else db.pragma(`synchronous = ${settings.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
    return db;
  } catch (error) {
    db.close();
    throw sqliteFailure(path, busyTimeoutMs, error);
  }
}

/** Creates the schema in a new file, or checks that an existing file is a store we can read. */
export function prepareSchema(db: Database.Database, settings: ConnectionSettings): void {
  const { path } = settings;
  try {
    // Validate before anything else so a foreign file is refused untouched.
    const state = validate(db, path);
    // Persistent per file: readers keep working while a writer commits.
    db.pragma('journal_mode = WAL');
    if (state === 'ready') return;
    // Another process may be creating the same file right now: decide again under the write lock.
    db.exec('BEGIN IMMEDIATE');
    try {
      if (validate(db, path) === 'empty') {
        db.exec('CREATE TABLE kv (tbl TEXT NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL, PRIMARY KEY (tbl, k)) WITHOUT ROWID');
        db.pragma(`user_version = ${SQLITE_STORE_FORMAT}`);
      }
      db.exec('COMMIT');
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
  } catch (error) {
    throw sqliteFailure(path, settings.busyTimeoutMs, error);
  }
}

function validate(db: Database.Database, path: string): 'empty' | 'ready' {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SQLITE_STORE_FORMAT) {
    throw new StoredDataError(
      `The SQLite store at ${path} has format version ${version}, but this syncline understands only ` +
        `version ${SQLITE_STORE_FORMAT}: a newer syncline wrote it. Upgrade syncline to open it.`,
      { details: { path, foundVersion: version, supportedVersion: SQLITE_STORE_FORMAT } },
    );
  }
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    .pluck()
    .all() as string[];
  if (version === 0 && tables.length === 0) return 'empty';
  if (version === SQLITE_STORE_FORMAT && tables.length === 1 && hasKvColumns(db)) return 'ready';
  throw new StoredDataError(
    `The file at ${path} is not a syncline store (user_version ${version}, tables: ` +
      `${tables.join(', ') || 'none'}). Open a new file or one that syncline created.`,
    { details: { path, foundVersion: version, tables } },
  );
}

function hasKvColumns(db: Database.Database): boolean {
  const columns = db.prepare("SELECT name FROM pragma_table_info('kv')").pluck().all() as string[];
  return columns.join(',') === 'tbl,k,v';
}
