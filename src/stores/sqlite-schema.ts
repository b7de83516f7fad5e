/**
 * Opening a SQLite store file: connection pragmas, and creating, migrating or validating the one
 * `kv` table. The store format history is in migrations/sqlite-migrations.ts.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InvalidArgumentError, StoredDataError } from '../core/errors.js';
import { sqliteFailure } from './sqlite-errors.js';
import { StoreFormatTooNewError } from './migrations/format-error.js';
import { planMigration } from './migrations/registry.js';
import { kvColumns, SQLITE_LAYOUTS, SQLITE_MIGRATIONS, SQLITE_STORE_FORMAT, type SqliteStep } from './migrations/sqlite-migrations.js';

export { SQLITE_STORE_FORMAT };

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

/**
 * Creates the schema in a new file, migrates a file of an older store format to the current one, or
 * checks that an existing file is a store we can read. Everything that changes the file happens in
 * one `BEGIN IMMEDIATE` transaction that also sets `user_version`, so a crash mid-migration leaves
 * the previous format intact; a file from a newer syncline or a foreign file is refused untouched.
 */
export function prepareSchema(
  db: Database.Database,
  settings: ConnectionSettings,
  steps: readonly SqliteStep[] = SQLITE_MIGRATIONS,
  target: number = SQLITE_STORE_FORMAT,
): void {
  const { path } = settings;
  try {
    // Validate before anything else (journal_mode = WAL writes the header) so a refused file stays as it was.
    if (validate(db, path, target) === target) {
      db.pragma('journal_mode = WAL');
      return;
    }
    db.pragma('journal_mode = WAL');
    // Another process may be creating or migrating the same file right now: decide again under the write lock.
    db.exec('BEGIN IMMEDIATE');
    try {
      const { plan, missing } = planMigration(steps, validate(db, path, target), target);
      if (plan === undefined) {
        throw new InvalidArgumentError(`The SQLite migration registry has no step from store format ${missing} to ${missing + 1}.`);
      }
      for (const step of plan) {
        step.up(db);
        db.pragma(`user_version = ${step.to}`);
      }
      db.exec('COMMIT');
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
  } catch (error) {
    throw sqliteFailure(path, settings.busyTimeoutMs, error);
  }
}

/** The store format of the file (0 = empty), after checking that it is a syncline store. */
function validate(db: Database.Database, path: string, target: number): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > target) throw new StoreFormatTooNewError('SQLite', `at ${path}`, version, target);
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    .pluck()
    .all() as string[];
  if (version === 0 && tables.length === 0) return 0;
  const layout = SQLITE_LAYOUTS[version];
  if (layout !== undefined && tables.join(',') === 'kv' && kvColumns(db) === layout.columns && hasIndexes(db, layout.indexes)) {
    return version;
  }
  throw new StoredDataError(
    `The file at ${path} is not a syncline store (user_version ${version}, tables: ` +
      `${tables.join(', ') || 'none'}). Open a new file or one that syncline created.`,
    { details: { path, foundVersion: version, tables } },
  );
}

function hasIndexes(db: Database.Database, names: readonly string[]): boolean {
  const found = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'kv' AND sql IS NOT NULL").pluck().all() as string[];
  return found.sort().join(',') === [...names].sort().join(',');
}
