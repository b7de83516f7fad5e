/**
 * Two server instances on one PostgreSQL database: a write through one is pulled through the other
 * and fires the other's onScopeChanged (LISTEN/NOTIFY); each instance's listening connection ends
 * with `close()` and comes back after the database drops it.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { createPostgresFanout, createSyncServer } from '../../src/server.js';
import type { ScopeChange, ServerDatabase } from '../../src/server.js';
import { describePostgres } from '../helpers/postgres.js';
import { putNote, tempDir, wrapServer, writableNotes } from '../server/helpers.js';
import type { TestServer } from '../server/helpers.js';
import { eventually, scopeFromToken, serverOn, sleep } from './harness.js';

const shop = { clientId: 'client-till-0001', token: 'shop-1' };

function recordChanges(t: TestServer): ScopeChange[] {
  const seen: ScopeChange[] = [];
  t.server.onScopeChanged((change) => seen.push(change));
  return seen;
}

async function sessions(url: string, applicationName: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
      [applicationName],
    );
    return Number(result.rows[0]?.n);
  } finally {
    await client.end();
  }
}

async function terminate(url: string, applicationName: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [applicationName]);
  } finally {
    await client.end();
  }
}

describePostgres('fan-out between instances [postgres]', (pgHandle) => {
  const started: TestServer[] = [];
  const start = (url: string): TestServer => {
    const t = serverOn(url, { collections: writableNotes });
    started.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((t) => t.cleanup()));
  });

  it('a write through instance A is pulled through B and fires B\'s onScopeChanged once', async () => {
    const url = await pgHandle.createDatabase();
    const [a, b] = [start(url), start(url)];
    await Promise.all([a.server.ready(), b.server.ready()]);
    const [seenByA, seenByB] = [recordChanges(a), recordChanges(b)];

    await a.pushOk([putNote(1, 'x'), putNote(2, 'y')], shop);
    await eventually('B hears about version 2', () => seenByB.some((c) => c.version === 2));
    expect(seenByB.every((c) => c.scope === 'shop-1')).toBe(true);
    expect((await b.pull(0, 10, shop)).changes.map((c) => c.key)).toEqual(['x', 'y']);
    // A emitted in process right after each slice commit (group commit: one or two here, as the
    // slice's time bound falls), and ignored its own notifications.
    expect(seenByA.at(-1)).toEqual({ scope: 'shop-1', version: 2 });
    expect(seenByA.map((c) => c.version)).toEqual([...new Set(seenByA.map((c) => c.version))].sort());

    // And the other way round, in another scope.
    await b.pushOk([putNote(1, 'z')], { clientId: 'client-till-0002', token: 'shop-2' });
    await eventually('A hears about shop-2', () => seenByA.some((c) => c.scope === 'shop-2'));
    await sleep(100);
    expect(seenByA.filter((c) => c.scope === 'shop-2')).toEqual([{ scope: 'shop-2', version: 1 }]);
    expect(seenByB.filter((c) => c.scope === 'shop-2')).toEqual([{ scope: 'shop-2', version: 1 }]);
  });

  it('close() ends the listening connection and the pool', async () => {
    const url = await pgHandle.createDatabase();
    const a = start(url);
    await a.pushOk([putNote(1, 'x')], shop);
    expect(await sessions(url, 'syncline-fanout')).toBe(1);
    await a.server.close();
    expect(await sessions(url, 'syncline-fanout')).toBe(0);
    expect(await sessions(url, 'syncline-server')).toBe(0);
  });

  it('listens again after the database drops the connection', async () => {
    const url = await pgHandle.createDatabase();
    const [a, b] = [start(url), start(url)];
    await Promise.all([a.server.ready(), b.server.ready()]);
    const seenByB = recordChanges(b);
    await terminate(url, 'syncline-fanout');
    // Pokes sent while B is away are lost (they are hints); keep writing until one gets through.
    let id = 0;
    while (seenByB.length === 0 && id < 200) {
      id += 1;
      await a.pushOk([putNote(id, `k${id}`)], shop);
      await sleep(50);
    }
    expect(seenByB.length).toBeGreaterThan(0);
    expect(await sessions(url, 'syncline-fanout')).toBe(2);
  });

  it('works with a kysely instance the caller owns plus createPostgresFanout', async () => {
    const url = await pgHandle.createDatabase();
    const db = new Kysely<ServerDatabase>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }) });
    const own = wrapServer(createSyncServer({ database: db, fanout: createPostgresFanout({ url }), auth: scopeFromToken, collections: writableNotes }), tempDir(), url);
    started.push(own);
    const other = start(url);
    await Promise.all([own.server.ready(), other.server.ready()]);
    const seen = recordChanges(other);
    await own.pushOk([putNote(1, 'x')], shop);
    await eventually('the other instance hears it', () => seen.length > 0);
    expect(seen).toEqual([{ scope: 'shop-1', version: 1 }]);
    await own.server.close();
    // The server does not destroy a kysely instance it was handed.
    expect((await db.selectFrom('records').select('key').execute()).map((r) => r.key)).toEqual(['x']);
    await db.destroy();
  });
});
