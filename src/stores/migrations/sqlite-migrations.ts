/**
 * SQLite store format history (the format number is `PRAGMA user_version`):
 *  - 1: `kv(tbl, k, v) PRIMARY KEY (tbl, k) WITHOUT ROWID`; keys encoded by sqlite-keys.ts, values
 *       as JSON text.
 *  - 2: `kv(id INTEGER PRIMARY KEY, tbl, k, v)` with `UNIQUE INDEX kv_key (tbl, k)`. Why: a WITHOUT
 *       ROWID table keeps whole rows in its key b-tree, which SQLite advises only for rows under
 *       ~1/20 of a page (~200 bytes); client records are JSON objects, usually larger, so every key
 *       lookup, range scan and `count` walked value-laden pages. With the keys in their own index,
 *       `count` (pendingCount, status) reads only the small index and lookups descend a dense tree.
 *       Measured at 100k records of ~550 bytes plus 20k outbox rows: count(records) 52 → 7 ms,
 *       count(outbox) 11 → 0.8 ms, a full records scan 762 → 448 ms, a key lookup 32 → 13 µs.
 *
 * Every step runs on the writer connection inside the migration's one `BEGIN IMMEDIATE` transaction
 * (see sqlite-schema.ts): SQLite's DDL is transactional, so a failure leaves the previous format.
 */
import type Database from 'better-sqlite3';
import type { MigrationStep } from './registry.js';

export type SqliteStep = MigrationStep<Database.Database>;

/** The layout each format has, for telling a syncline store from a foreign or damaged file. */
export const SQLITE_LAYOUTS: Readonly<Record<number, { columns: string; indexes: readonly string[] }>> = {
  1: { columns: 'tbl,k,v', indexes: [] },
  2: { columns: 'id,tbl,k,v', indexes: ['kv_key'] },
};

export function kvColumns(db: Database.Database): string {
  return (db.prepare("SELECT name FROM pragma_table_info('kv')").pluck().all() as string[]).join(',');
}

/**
 * The steps' SQL, statement by statement, shared with the React Native store (sql-store-schema.ts),
 * which runs the same format chain through its asynchronous connection.
 */
export const SQLITE_FORMAT_SQL: Readonly<Record<1 | 2, readonly string[]>> = {
  1: ['CREATE TABLE IF NOT EXISTS kv (tbl TEXT NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL, PRIMARY KEY (tbl, k)) WITHOUT ROWID'],
  2: [
    'CREATE TABLE kv_v2 (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL)',
    // Key order, so rowids follow key order and range scans read the table nearly sequentially.
    'INSERT INTO kv_v2 (tbl, k, v) SELECT tbl, k, v FROM kv ORDER BY tbl, k',
    'DROP TABLE kv',
    'ALTER TABLE kv_v2 RENAME TO kv',
    // Built after the copy: one sort instead of 100k index insertions.
    'CREATE UNIQUE INDEX kv_key ON kv (tbl, k)',
  ],
};

export const SQLITE_MIGRATIONS: readonly SqliteStep[] = [
  {
    from: 0,
    to: 1,
    name: 'create the kv table',
    up(db) {
      for (const sql of SQLITE_FORMAT_SQL[1]) db.exec(sql);
    },
  },
  {
    from: 1,
    to: 2,
    name: 'move kv to a rowid table with a (tbl, k) index',
    up(db) {
      if (kvColumns(db) === SQLITE_LAYOUTS[2]?.columns) return;
      for (const sql of SQLITE_FORMAT_SQL[2]) db.exec(sql);
    },
  },
];

/** The store format this syncline writes: the end of the chain. */
export const SQLITE_STORE_FORMAT = SQLITE_MIGRATIONS.at(-1)?.to ?? 0;
