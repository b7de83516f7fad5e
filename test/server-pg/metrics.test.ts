// Metrics and readiness on PostgreSQL: counters move with a real client's traffic, a statement the
// database refuses (a real SQLSTATE from pg) counts as a database error, and readiness answers 200.
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { createServerMetrics, createSyncServer, serveNode, tokenAuth } from '../../src/server.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { memoryClient } from '../helpers/harness.js';
import { describePostgres } from '../helpers/postgres.js';
import { scrape } from '../server/metrics-scrape.js';

const TOKEN = 'metrics-token';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describePostgres('metrics on PostgreSQL', (postgres) => {
  it('counts applied mutations and a request the database fails; readiness is 200', async () => {
    const url = await postgres.createDatabase();
    const server = createSyncServer({ database: { postgres: url }, auth: tokenAuth({ t1: 'shop' }), collections: { notes: { writable: true } }, metrics: await createServerMetrics({ token: TOKEN }) });
    const http = await serveNode(server, { port: 0 });
    cleanups.push(async () => {
      await http.close();
      await server.close();
    });
    const client = await memoryClient(createHttpTransport({ url: http.url, token: 't1' }));
    cleanups.push(() => client.close());
    await client.collection('notes').put('a', { text: 'a' });
    await client.sync();
    expect((await fetch(`${http.url}/v1/health/ready`)).status).toBe(200);
    let m = await scrape(http.url, TOKEN);
    expect(m.value('syncline_mutations_total', { outcome: 'applied' })).toBe(1);
    expect(m.value('syncline_scope_version', { scope: 'shop' })).toBe(1);

    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());
    await admin.query('ALTER TABLE records RENAME TO records_away');
    await client.collection('notes').put('b', { text: 'b' });
    await expect(client.sync()).rejects.toThrow();
    m = await scrape(http.url, TOKEN);
    expect(m.value('syncline_database_errors_total', { operation: 'request' })).toBe(1);
    await admin.query('ALTER TABLE records_away RENAME TO records');
    await client.sync();
    m = await scrape(http.url, TOKEN);
    expect(m.value('syncline_mutations_total', { outcome: 'applied' })).toBe(2);
  });
});
