/**
 * Creating or checking the `kv` table of a store on an asynchronous SQLite connection. The layout and
 * format number are the SQLite store's (sqlite-schema.ts), so one file means the same to both.
 */
import { StoredDataError } from '../core/errors.js';
import type { SqlDatabase } from './sql-database.js';

const FORMAT = 1;

export async function prepareSqlSchema(db: SqlDatabase, name: string, durability: 'full' | 'normal'): Promise<void> {
  await db.execute(`PRAGMA synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  // The caller's connection may time out on a busy lock by itself; 0 lets the store retry without blocking.
  await db.execute('PRAGMA busy_timeout = 0');
  if ((await check(db, name)) === 'ready') return;
  await db.execute('PRAGMA journal_mode = WAL');
  await db.execute('BEGIN IMMEDIATE');
  try {
    // Decided again under the write lock: another connection may have created it meanwhile.
    if ((await check(db, name)) === 'empty') {
      await db.execute('CREATE TABLE kv (tbl TEXT NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL, PRIMARY KEY (tbl, k)) WITHOUT ROWID');
      await db.execute(`PRAGMA user_version = ${FORMAT}`);
    }
    await db.execute('COMMIT');
  } catch (error) {
    await db.execute('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function check(db: SqlDatabase, name: string): Promise<'empty' | 'ready'> {
  const version = Number((await db.execute('PRAGMA user_version'))[0]?.['user_version'] ?? 0);
  if (version > FORMAT) {
    throw new StoredDataError(
      `The store ${name} has format version ${version}, but this syncline understands only version ${FORMAT}: a newer syncline wrote it. Upgrade syncline to open it.`,
      { details: { foundVersion: version, supportedVersion: FORMAT } },
    );
  }
  const tables = (await db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")).map((row) => String(row['name']));
  if (version === 0 && tables.length === 0) return 'empty';
  const columns = (await db.execute("SELECT name FROM pragma_table_info('kv')")).map((row) => String(row['name']));
  if (version === FORMAT && tables.length === 1 && columns.join(',') === 'tbl,k,v') return 'ready';
  throw new StoredDataError(
    `The database ${name} is not a syncline store (user_version ${version}, tables: ${tables.join(', ') || 'none'}). Open a new database or one that syncline created.`,
    { details: { foundVersion: version, tables } },
  );
}
