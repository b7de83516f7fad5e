// The record-change feed reads the subscription list once per TTL, not once per write: a write with
// no subscriber costs no query; `invalidate()` (add/remove on this server) makes the next write read it.
import { join } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/server/migrations.js';
import type { ServerDatabase } from '../../src/server/schema.js';
import { RecordChangeFeed } from '../../src/server/webhooks/record-changes.js';
import { addSubscription } from '../../src/server/webhooks/storage.js';
import { tempDir } from '../server/helpers.js';

let db: Kysely<ServerDatabase> | undefined;
afterEach(async () => {
  await db?.destroy();
});

it('reads subscriptions once per TTL and after invalidate(), never per write', async () => {
  let reads = 0;
  db = new Kysely<ServerDatabase>({
    dialect: new SqliteDialect({ database: new Database(join(tempDir(), 'feed.db')) }),
    log: (event) => {
      if (event.level === 'query' && /select .* from "webhook_subscriptions"/i.test(event.query.sql)) reads += 1;
    },
  });
  await migrateToLatest(db);
  let now = 1_000_000;
  const feed = new RecordChangeFeed({ ttlMs: 1000, now: () => now });
  const change = { scope: 's', collection: 'receipts', key: 'k', version: 1, op: 'put' as const, value: { a: 1 }, writer: { clientId: 'c', mutationId: 1 } };
  for (let i = 0; i < 50; i++) await feed.emit(db, [change]);
  expect(reads).toBe(1);
  now += 999;
  await feed.emit(db, [change]);
  expect(reads).toBe(1);
  now += 1;
  await feed.emit(db, [change]);
  expect(reads).toBe(2);

  // Added behind the feed's back (another instance, the CLI): seen at the next TTL.
  await addSubscription(db, { url: 'http://127.0.0.1:9/', collections: ['receipts'] }, now);
  await feed.emit(db, [change]);
  expect(await db.selectFrom('effects').select('id').execute()).toHaveLength(0);
  now += 1000;
  await feed.emit(db, [change]);
  expect(await db.selectFrom('effects').select('id').execute()).toHaveLength(1);
  const before = reads;
  feed.invalidate();
  await feed.emit(db, [change]);
  expect(reads).toBe(before + 1);
});
