// The server's maintained digests (format 2) equal the digest computed from what a pull returns,
// through puts, patches and deletes, after the 0008 migration recomputes them, and after a recount.
import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { addHash, emptyLanes, recordHash, toDigest, type CollectionDigest, type DigestLanes } from '../../src/protocol/digest.js';
import type { JsonObject } from '../../src/protocol/json.js';
import { migrateToLatest, openPostgresDatabase, openSqliteDatabase, type ServerDatabase } from '../../src/server.js';
import { backfillDigests, readDigests } from '../../src/server/digest-storage.js';
import { describeEachDialect, mutation, type TestServer } from './helpers.js';

const collections = { notes: { writable: true }, tags: { writable: true } };

/** The digests a client computes from everything a pull from 0 returns, and the digests that pull carries. */
async function pulledDigests(t: TestServer): Promise<{ computed: Record<string, CollectionDigest>; sent: Record<string, CollectionDigest>; format: number | undefined }> {
  const live = new Map<string, { collection: string; key: string; version: number; value: JsonObject }>();
  let cursor = 0;
  for (;;) {
    const page = await t.pull(cursor, 7);
    for (const c of page.changes) {
      if ('deleted' in c) live.delete(`${c.collection}/${c.key}`);
      else live.set(`${c.collection}/${c.key}`, { ...c });
    }
    cursor = page.cursor;
    if (!page.hasMore) {
      const lanes = new Map<string, DigestLanes>();
      for (const r of live.values()) lanes.set(r.collection, addHash(lanes.get(r.collection) ?? emptyLanes(), recordHash(r.collection, r.key, r.version, r.value), 1));
      return { computed: Object.fromEntries([...lanes].map(([c, l]) => [c, toDigest(l)])), sent: page.digests ?? {}, format: page.digestFormat };
    }
  }
}

function openDatabase(location: string): Kysely<ServerDatabase> {
  return location.startsWith('postgres') ? openPostgresDatabase({ url: location }) : openSqliteDatabase(location);
}

let nextId = 1;
const put = (collection: string, key: string, value: JsonObject) => mutation(nextId++, 'put', { collection, key, value, baseVersion: null });

describeEachDialect('server digests', (start) => {
  it('stay equal to the digest of the pulled records through writes, the 0008 migration and a recount', async () => {
    nextId = 1;
    const t = await start({ collections });
    try {
      for (let i = 0; i < 12; i++) await t.pushOk([put(i % 3 === 0 ? 'tags' : 'notes', `k${i}`, { i, nested: { b: i, a: [i, 'x'] } })]);
      await t.pushOk([mutation(nextId++, 'patch', { collection: 'notes', key: 'k1', fields: { i: 100 }, expected: { i: 1 }, baseVersion: 2 })]);
      await t.pushOk([mutation(nextId++, 'delete', { collection: 'notes', key: 'k2', baseVersion: 3 })]);
      await t.pushOk([put('notes', 'k4', { replaced: true })]);
      let digests = await pulledDigests(t);
      expect(digests.format).toBe(2);
      expect(digests.sent).toEqual(digests.computed);
      expect(Object.keys(digests.sent).sort()).toEqual(['notes', 'tags']);

      // A database from before format 2: no per-row hashes, format-1-like digests, 0008 not yet run.
      const db = openDatabase(t.dbPath);
      try {
        await db.updateTable('digests').set({ lane_a: 1, lane_b: 2 }).execute();
        await db.schema.alterTable('records').dropColumn('digest_hash').execute();
        // Only 0008 runs again: migrations may run out of name order (allowUnorderedMigrations).
        await sql`delete from syncline_migrations where name = '0008_value_digest'`.execute(db);
        expect(await migrateToLatest(db)).toEqual(['0008_value_digest']);
        expect(await db.selectFrom('records').select('key').where('digest_hash', 'is not', null).execute()).toEqual([]);
      } finally {
        await db.destroy();
      }
      digests = await pulledDigests(t);
      expect(digests.sent).toEqual(digests.computed);

      // Rows without a stored hash are subtracted by hashing their value.
      await t.pushOk([put('notes', 'k5', { after: 'migration' })]);
      await t.pushOk([mutation(nextId++, 'delete', { collection: 'tags', key: 'k3', baseVersion: 4 })]);
      digests = await pulledDigests(t);
      expect(digests.sent).toEqual(digests.computed);

      // A recount in small chunks (walking the primary key) agrees with what was maintained.
      const again = openDatabase(t.dbPath);
      try {
        const maintained = await readDigests(again, 'scope-a');
        await again.transaction().execute((trx) => backfillDigests(trx, 2));
        expect(await readDigests(again, 'scope-a')).toEqual(maintained);
      } finally {
        await again.destroy();
      }
    } finally {
      await t.cleanup();
    }
  });
});
