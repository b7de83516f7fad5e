/**
 * A NOTIFY lost while an instance's LISTEN connection was down is made up for: after it reconnects,
 * the instance re-announces the current version of its subscribed scopes, so an SSE subscriber there
 * is poked without pulling. The listener is kept from reconnecting (the database refuses new
 * connections) while the other instance writes, so the notification is lost for certain.
 */
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { createPostgresFanout } from '../../src/server.js';
import { describePostgres } from '../helpers/postgres.js';
import { putNote, writableNotes } from '../server/helpers.js';
import type { TestServer } from '../server/helpers.js';
import { eventually, serverOn, sleep } from './harness.js';

const shop = { clientId: 'client-till-0001', token: 'shop-1' };
const LISTENER_NAME = 'syncline-fanout-b';

/** Versions of the `poke` events on an open GET /v1/events response, as they arrive. */
function readPokes(response: Response): { versions: number[]; stop(): Promise<void> } {
  const versions: number[] = [];
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('event stream without a body');
  const decoder = new TextDecoder();
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const events = buffer.split('\n\n');
      buffer = events.pop() ?? '';
      for (const event of events) {
        const data = /^event: poke\ndata: (.*)$/m.exec(event)?.[1];
        if (data !== undefined) versions.push((JSON.parse(data) as { version: number }).version);
      }
    }
  })().catch(() => {});
  return {
    versions,
    async stop() {
      await reader.cancel().catch(() => {});
      await pump;
    },
  };
}

/** Run `sql` on the cluster's maintenance database (the test database may refuse connections). */
async function onCluster<T>(url: string, work: (client: pg.Client, database: string) => Promise<T>): Promise<T> {
  const admin = new URL(url);
  const database = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await work(client, database);
  } finally {
    await client.end();
  }
}

async function listenerSessions(url: string): Promise<number> {
  return onCluster(url, async (client, database) => {
    const result = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [database, LISTENER_NAME]);
    return Number(result.rows[0]?.n);
  });
}

describePostgres('lost notifications are replayed after the listener reconnects [postgres]', (pgHandle) => {
  const started: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((t) => t.cleanup()));
  });

  it('a subscriber on the reconnected instance is poked with the version written while it was away', async () => {
    const url = await pgHandle.createDatabase();
    const a = serverOn(url, { collections: writableNotes });
    const b = serverOn(url, { collections: writableNotes, fanout: createPostgresFanout({ url, applicationName: LISTENER_NAME }) });
    started.push(a, b);
    await Promise.all([a.server.ready(), b.server.ready()]);
    await a.pushOk([putNote(1, 'x')], shop);
    const events = await b.server.fetch(new Request('http://test/v1/events', { headers: { authorization: `Bearer ${shop.token}` } }));
    expect(events.status).toBe(200);
    const pokes = readPokes(events);
    try {
      await eventually('the stream opens at version 1', () => pokes.versions.includes(1));

      // Cut B's LISTEN connection and keep it from coming back while A writes.
      await onCluster(url, async (client, database) => {
        await client.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [database, LISTENER_NAME]);
      });
      const deadline = Date.now() + 10_000;
      while ((await listenerSessions(url)) > 0 && Date.now() < deadline) await sleep(20);
      expect(await listenerSessions(url)).toBe(0);
      // A's pool and listener were connected before the lock-out, so A can still write and notify.
      await a.pushOk([putNote(2, 'y')], shop);
      await sleep(200);
      expect(pokes.versions).not.toContain(2);

      await onCluster(url, (client, database) => client.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`));
      await eventually('B re-announces version 2 after it listens again', () => pokes.versions.includes(2), 20_000);
      expect(await listenerSessions(url)).toBe(1);
    } finally {
      await onCluster(url, (client, database) => client.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`)).catch(() => {});
      await pokes.stop();
    }
  });
});
