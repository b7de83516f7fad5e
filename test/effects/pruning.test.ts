// Pruning on both backends: delivered effect rows older than the retention go, in bounded batches,
// and a pending one never does; a seen incoming webhook-id stays as long as a replay of it could
// pass the timestamp check, so a replay after pruning is still refused.
import type { Kysely } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterEach, expect, it } from 'vitest';
import { serveNode } from '../../src/server/node-adapter.js';
import { pruneOnce, validatePruning } from '../../src/server/effects/prune.js';
import { openPostgresDatabase } from '../../src/server/postgres-dialect.js';
import type { ServerDatabase } from '../../src/server/schema.js';
import { openSqliteDatabase } from '../../src/server/sqlite-dialect.js';
import { silentLogger } from '../../src/core/seams.js';
import { describeEachDialect, mutation } from '../server/helpers.js';
import { eventually } from '../server-pg/harness.js';
import { startReceiver } from './receiver.js';

const SECRET = 'whsec_' + Buffer.from('fiscal secret for pruning tests!').toString('base64');
const TOLERANCE = 300;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function open(dbPath: string): Kysely<ServerDatabase> {
  const db = dbPath.startsWith('postgres') ? openPostgresDatabase({ url: dbPath, logger: silentLogger }) : openSqliteDatabase(dbPath);
  cleanups.push(() => db.destroy());
  return db;
}

describeEachDialect('pruning delivered rows and seen webhook ids', (start) => {
  it('deletes delivered rows older than the retention in batches, never a pending one', async () => {
    const receiver = await startReceiver((r) => ((r.json as { data: { key: string } }).data.key === 'stuck' ? 503 : 200));
    cleanups.push(() => receiver.close());
    const t = await start({ collections: { receipts: { writable: true } }, webhooks: true, effects: { handlers: {}, backoffMs: 5, maxBackoffMs: 20, pollMs: 20, maxAttempts: 1000 } });
    cleanups.push(() => t.cleanup());
    await t.server.webhooks.add({ url: receiver.url, collections: ['receipts'] });
    await t.pushOk(['r1', 'r2', 'r3', 'r4', 'r5', 'stuck'].map((key, i) => mutation(i + 1, 'put', { collection: 'receipts', key, value: { n: i }, baseVersion: null })));
    await eventually('5 delivered', () => receiver.performed.size === 5);
    await eventually('stuck retried', () => receiver.requests.filter((r) => (r.json as { data: { key: string } }).data.key === 'stuck').length >= 2);

    const db = open(t.dbPath);
    const policy = { deliveredRetentionMs: 60_000, seenRetentionMs: undefined, batchSize: 2 };
    const now = Date.now();
    expect(await pruneOnce(db, policy, now)).toEqual({ effects: 0, deadLetters: 0, incomingWebhooks: 0 });
    expect(await t.server.effects.list({ status: 'delivered' })).toHaveLength(5);
    // An hour later: all five delivered rows go (three batches of at most 2); the pending one stays.
    expect(await pruneOnce(db, policy, now + 3_600_000)).toEqual({ effects: 5, deadLetters: 0, incomingWebhooks: 0 });
    const left = await t.server.effects.list();
    expect(left.map((e) => [e.status, (e.payload as { data: { key: string } }).data.key])).toEqual([['pending', 'stuck']]);
    expect(await pruneOnce(db, { ...policy, deliveredRetentionMs: 0 }, now + 100 * 3_600_000)).toEqual({ effects: 0, deadLetters: 0, incomingWebhooks: 0 });
    expect(await t.server.effects.list()).toHaveLength(1);
  });

  it('a replayed incoming id within tolerance stays refused after pruning; the id goes once no replay could pass', async () => {
    const t = await start({
      incomingWebhooks: { toleranceSeconds: TOLERANCE, seenRetentionSeconds: 2 * TOLERANCE, sources: { fiscal: { secret: SECRET, handle: () => null } } },
    });
    const http = await serveNode(t.server, { port: 0 });
    cleanups.push(async () => {
      await http.close();
      await t.cleanup();
    });
    const body = JSON.stringify({ receipt: 'r-1', status: 'accepted' });
    // Signed as far in the future as the tolerance allows: a replay of it passes the timestamp check
    // until twice the tolerance after it was received.
    const signedAt = new Date(Date.now() + (TOLERANCE - 5) * 1000);
    const send = (): Promise<Response> => fetch(`${http.url}/v1/webhooks/in/fiscal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)), 'webhook-signature': new Webhook(SECRET).sign('msg_1', signedAt, body) },
      body,
    });
    expect((await send()).status).toBe(200);
    const receivedAt = Date.now();
    expect((await send()).status).toBe(409);

    const db = open(t.dbPath);
    const policy = validatePruning(undefined, { toleranceSeconds: TOLERANCE, seenRetentionSeconds: 2 * TOLERANCE });
    // Just before the last moment a replay could still be fresh: the id is kept, the replay refused.
    expect((await pruneOnce(db, policy, receivedAt + (2 * TOLERANCE - 1) * 1000)).incomingWebhooks).toBe(0);
    const replay = await send();
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('webhook-replayed');
    // Once no replay could pass the timestamp check, the id goes.
    expect((await pruneOnce(db, policy, receivedAt + (2 * TOLERANCE + 10) * 1000)).incomingWebhooks).toBe(1);
  });
});

it('refuses a seen-id retention shorter than twice the tolerance', () => {
  expect(() => validatePruning(undefined, { toleranceSeconds: TOLERANCE, seenRetentionSeconds: 2 * TOLERANCE - 1 })).toThrow(/at least twice toleranceSeconds/);
  expect(validatePruning(undefined, { toleranceSeconds: TOLERANCE, seenRetentionSeconds: undefined }).seenRetentionMs).toBeGreaterThanOrEqual(2 * TOLERANCE * 1000);
  expect(() => validatePruning({ batchSize: 0 }, undefined)).toThrow(/batchSize/);
});
