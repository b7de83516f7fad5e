// The background pruner runs on its interval and stops when its AbortSignal fires, mid-sleep.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { silentLogger } from '../../src/core/seams.js';
import { runPruner } from '../../src/server/effects/prune.js';
import { insertEffect, markDelivered } from '../../src/server/effects/storage.js';
import { migrateToLatest } from '../../src/server/migrations.js';
import { openSqliteDatabase } from '../../src/server/sqlite-dialect.js';
import { tempDir } from '../server/helpers.js';
import { eventually } from '../server-pg/harness.js';

it('prunes in the background and stops on abort, even in the middle of a long sleep', async () => {
  const db = openSqliteDatabase(join(tempDir(), 'prune.db'));
  await migrateToLatest(db);
  const id = await insertEffect(db, { name: 'x', key: 'k', scope: 's', payload: null, now: 1 });
  await markDelivered(db, id, undefined, 1);
  const pending = await insertEffect(db, { name: 'x', key: 'k2', scope: 's', payload: null, now: 1 });
  const stop = new AbortController();
  let passes = 0;
  const stopped = runPruner({ db: () => db, ready: async () => void (passes += 1), now: Date.now, logger: silentLogger, signal: stop.signal, policy: { deliveredRetentionMs: 1000, seenRetentionMs: undefined, everyMs: 10, batchSize: 10 } });
  let left: string[] = [];
  await eventually('the delivered row is pruned', () => passes >= 3);
  left = (await db.selectFrom('effects').select('id').execute()).map((r) => r.id);
  expect(left).toEqual([pending]);
  stop.abort();
  await stopped;
  const longSleep = new AbortController();
  const sleeping = runPruner({ db: () => db, ready: async () => {}, now: Date.now, logger: silentLogger, signal: longSleep.signal, policy: { deliveredRetentionMs: 1000, seenRetentionMs: undefined, everyMs: 2 ** 31 - 1, batchSize: 10 } });
  longSleep.abort();
  await sleeping; // resolves at once: a sleep that ignored the signal would hang this test
  await db.destroy();
});
