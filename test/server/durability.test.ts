// "Acknowledged means on disk": the server opens SQLite with synchronous = FULL and PostgreSQL
// connections with synchronous_commit = on, unless told `durability: 'relaxed'`.
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openPostgresDatabase, openSqliteDatabase } from '../../src/server.js';
import { describePostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/harness.js';

const dir = tempDir('syncline-durability-');
afterAll(() => dir.remove());

/** PRAGMA synchronous: 1 = NORMAL, 2 = FULL. */
async function synchronousOf(durability?: 'durable' | 'relaxed'): Promise<number> {
  const db = openSqliteDatabase(join(dir.path, `${durability ?? 'default'}.db`), durability);
  try {
    const { rows } = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(db);
    const { rows: journal } = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db);
    expect(journal[0]?.journal_mode).toBe('wal');
    return rows[0]?.synchronous ?? -1;
  } finally {
    await db.destroy();
  }
}

it('SQLite opens with synchronous = FULL (WAL) by default, NORMAL when relaxed', async () => {
  expect(await synchronousOf()).toBe(2);
  expect(await synchronousOf('durable')).toBe(2);
  expect(await synchronousOf('relaxed')).toBe(1);
});

describePostgres('durability [postgres]', (pg) => {
  it('server connections run with synchronous_commit = on by default, off when relaxed', async () => {
    const url = await pg.createDatabase();
    for (const [durability, expected] of [[undefined, 'on'], ['relaxed', 'off']] as const) {
      const db = openPostgresDatabase({ url, ...(durability === undefined ? {} : { durability }) });
      try {
        const { rows } = await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(db);
        expect(rows[0]?.synchronous_commit).toBe(expected);
      } finally {
        await db.destroy();
      }
    }
  });
});
