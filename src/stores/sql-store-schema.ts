/**
 * Creating, migrating or checking the `kv` table of a store on an asynchronous SQLite connection.
 * The format chain and its SQL are the Node SQLite store's (migrations/sqlite-migrations.ts), so a
 * file means the same to both stores; here the steps run through `execute`, in one
 * `BEGIN IMMEDIATE … COMMIT` with `user_version` bumped inside it.
 */
import { StoredDataError } from '../core/errors.js';
import { StoreFormatTooNewError } from './migrations/format-error.js';
import { SQLITE_FORMAT_SQL, SQLITE_LAYOUTS, SQLITE_STORE_FORMAT } from './migrations/sqlite-migrations.js';
import type { SqlDatabase } from './sql-database.js';

export async function prepareSqlSchema(db: SqlDatabase, name: string, durability: 'full' | 'normal'): Promise<void> {
  // Refuse a newer or foreign database before changing anything about it.
  if ((await check(db, name)) === 'ready') return applyPragmas(db, durability);
  await applyPragmas(db, durability);
  await db.execute('PRAGMA journal_mode = WAL');
  await db.execute('BEGIN IMMEDIATE');
  try {
    // Decided again under the write lock: another connection may have migrated it meanwhile.
    if ((await check(db, name)) === 'migrate') {
      const found = await userVersion(db);
      if (found < 1) for (const sql of SQLITE_FORMAT_SQL[1]) await db.execute(sql);
      if ((await columns(db)) !== SQLITE_LAYOUTS[2]?.columns) for (const sql of SQLITE_FORMAT_SQL[2]) await db.execute(sql);
      await db.execute(`PRAGMA user_version = ${SQLITE_STORE_FORMAT}`);
    }
    await db.execute('COMMIT');
  } catch (error) {
    await db.execute('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function applyPragmas(db: SqlDatabase, durability: 'full' | 'normal'): Promise<void> {
  await db.execute(`PRAGMA synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  // The caller's connection may time out on a busy lock by itself; 0 lets the store retry without blocking.
  await db.execute('PRAGMA busy_timeout = 0');
}

async function userVersion(db: SqlDatabase): Promise<number> {
  return Number((await db.execute('PRAGMA user_version'))[0]?.['user_version'] ?? 0);
}

async function columns(db: SqlDatabase): Promise<string> {
  return (await db.execute("SELECT name FROM pragma_table_info('kv')")).map((row) => String(row['name'])).join(',');
}

async function check(db: SqlDatabase, name: string): Promise<'migrate' | 'ready'> {
  const version = await userVersion(db);
  if (version > SQLITE_STORE_FORMAT) throw new StoreFormatTooNewError('SQLite', name, version, SQLITE_STORE_FORMAT);
  const tables = (await db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")).map((row) => String(row['name']));
  if (version === 0 && tables.length === 0) return 'migrate';
  const layout = SQLITE_LAYOUTS[version];
  if (layout !== undefined && tables.length === 1 && (await columns(db)) === layout.columns) return version === SQLITE_STORE_FORMAT ? 'ready' : 'migrate';
  throw new StoredDataError(
    `The database ${name} is not a syncline store (user_version ${version}, tables: ${tables.join(', ') || 'none'}). Open a new database or one that syncline created.`,
    { details: { foundVersion: version, tables } },
  );
}
