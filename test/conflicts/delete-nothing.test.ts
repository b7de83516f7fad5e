// A delete of a record that does not exist writes nothing: no version, no tombstone, no clock row —
// even when other records were written just before (the scope version is not this record's).
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../../src/server.js';
import { memoryClient, tempDir } from '../helpers/harness.js';
import { startConflictServer } from './helpers.js';

describe('delete of nothing', () => {
  it('leaves no trace in records or record clocks', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'server.db');
    const server = startConflictServer(path, { notes: { writable: true, conflicts: 'last-writer-wins' } });
    const a = await memoryClient(server.transport());
    await a.collection('notes').put('real', { n: 1 });
    await a.collection('notes').put('other', { n: 2 });
    await a.collection('notes').delete('ghost');
    const result = await a.sync();
    expect(result.pushed.applied).toBe(3);
    await a.close();
    await server.close();
    const db = openSqliteDatabase(path);
    try {
      const records = await db.selectFrom('records').select('key').where('key', '=', 'ghost').execute();
      const clocks = await (db as unknown as Kysely<Record<string, { key: string }>>)
        .selectFrom('record_clocks')
        .select('key')
        .where('key', '=', 'ghost')
        .execute();
      expect(records).toEqual([]);
      expect(clocks).toEqual([]);
    } finally {
      await db.destroy();
      dir.remove();
    }
  });
});
