// GET /metrics over real HTTP on loopback: refused without its own token, served with it, parsed by an
// independent Prometheus text-format parser, and its counters move with real traffic — real clients
// pushing and pulling, a conflict, a dead letter, a resend, an event stream — on a SQLite file.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { SynclineClient } from '../../src/index.js';
import { isJsonObject } from '../../src/protocol/json.js';
import { createServerMetrics, createSyncServer, serveNode, tokenAuth } from '../../src/server.js';
import type { MutationHandler, NodeServerHandle, SyncServer, SyncServerOptions } from '../../src/server.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { memoryClient, tempDir } from '../helpers/harness.js';
import { scrape, type Scrape } from './metrics-scrape.js';

const METRICS_TOKEN = 'metrics-secret-0123';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Running {
  server: SyncServer;
  http: NodeServerHandle;
  dbPath: string;
  client(): Promise<SynclineClient>;
  scrape(): Promise<Scrape>;
}

/** `step` applies, except n = 3, whose handler always throws (a poison mutation). */
const handlers: Record<string, MutationHandler> = {
  step: async (ctx, args) => {
    const n = isJsonObject(args) ? args['n'] : undefined;
    if (n === 3) throw new Error('the fiscal printer exploded');
    await ctx.put('steps', `s${String(n)}`, { n: n ?? null });
    return undefined;
  },
};

async function run(options: Partial<SyncServerOptions> = {}): Promise<Running> {
  const dir = tempDir('syncline-metrics-');
  const dbPath = join(dir.path, 'server.db');
  const server = createSyncServer({
    database: { sqlite: dbPath },
    auth: tokenAuth({ t1: 'shop' }),
    mutations: handlers,
    collections: { notes: { writable: true }, strict: { writable: true, conflicts: 'server-wins' } },
    push: { maxHandlerAttempts: 2 },
    metrics: await createServerMetrics({ token: METRICS_TOKEN }),
    ...options,
  });
  const http = await serveNode(server, { port: 0 });
  cleanups.push(async () => {
    await http.close();
    await server.close();
    dir.remove();
  });
  return {
    server,
    http,
    dbPath,
    async client() {
      const client = await memoryClient(createHttpTransport({ url: http.url, token: 't1' }));
      cleanups.push(() => client.close());
      return client;
    },
    scrape: () => scrape(http.url, METRICS_TOKEN),
  };
}

/** Sync until the outbox is empty; a poison mutation fails the first attempts (500s) before it is given up. */
async function drain(client: SynclineClient): Promise<void> {
  for (let i = 0; i < 20 && (await client.pendingCount()) > 0; i++) await client.sync().catch(() => {});
  expect(await client.pendingCount()).toBe(0);
}

describe('GET /metrics (real HTTP on loopback)', () => {
  it('refuses a request without the metrics token, with a sync token or a wrong one; serves Prometheus text with it', async () => {
    const r = await run();
    for (const authorization of [undefined, 'Bearer t1', 'Bearer metrics-secret-012', `Bearer ${METRICS_TOKEN}x`, `Basic ${METRICS_TOKEN}`]) {
      const refused = await fetch(`${r.http.url}/metrics`, authorization === undefined ? {} : { headers: { authorization } });
      expect(refused.status, authorization).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect(await refused.json()).toMatchObject({ error: { code: 'unauthenticated', retryable: false } });
    }
    const served = await fetch(`${r.http.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = (await r.scrape()).families.map((f) => `${f.name} ${f.type}`);
    expect(families).toEqual(expect.arrayContaining([
      'syncline_http_requests_total COUNTER',
      'syncline_push_duration_seconds HISTOGRAM',
      'syncline_pull_duration_seconds HISTOGRAM',
      'syncline_mutations_total COUNTER',
      'syncline_conflicts_total COUNTER',
      'syncline_dead_letters_total COUNTER',
      'syncline_dead_letter_replays_total COUNTER',
      'syncline_database_errors_total COUNTER',
      'syncline_sse_connections GAUGE',
      'syncline_websocket_connections GAUGE',
      'syncline_scope_version GAUGE',
    ]));
    // The refusals above were counted, by route and status.
    expect((await r.scrape()).value('syncline_http_requests_total', { route: 'metrics', status: '401' })).toBe(5);
  });

  it('counts pushes, pulls, outcomes, a conflict, a dead letter, a resend, an event stream and the scope version', async () => {
    const r = await run();
    const before = await r.scrape();
    expect(before.value('syncline_mutations_total', { outcome: 'applied' })).toBe(0);
    expect(before.value('syncline_sse_connections')).toBe(0);

    // Three applied writes from a real client.
    const a = await r.client();
    for (const key of ['n1', 'n2', 'n3']) await a.collection('notes').put(key, { text: key });
    await a.collection('strict').put('x', { n: 1 });
    await a.sync();
    let m = await r.scrape();
    expect(m.value('syncline_mutations_total', { outcome: 'applied' })).toBe(4);
    expect(m.value('syncline_http_requests_total', { route: 'push', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(m.value('syncline_http_requests_total', { route: 'pull', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(m.histogramCount('syncline_push_duration_seconds')).toBe(m.value('syncline_http_requests_total', { route: 'push', status: '200' }));
    expect(m.histogramCount('syncline_pull_duration_seconds')).toBeGreaterThanOrEqual(1);

    // A conflict: b writes x on the version it saw, after a moved it on; server-wins rejects b's write.
    const b = await r.client();
    await b.sync();
    await a.collection('strict').put('x', { n: 2 });
    await a.sync();
    await b.collection('strict').put('x', { n: 3 });
    await b.sync();
    m = await r.scrape();
    expect(m.labels('syncline_conflicts_total')).toEqual([{ strategy: 'server-wins', resolution: 'server' }]);
    expect(m.value('syncline_conflicts_total', { strategy: 'server-wins', resolution: 'server' })).toBe(1);
    expect(m.value('syncline_mutations_total', { outcome: 'rejected' })).toBe(1);

    // A dead letter: n = 3 fails once (500), then is given up on the second attempt; n = 4 applies behind it.
    await a.mutate('step', { n: 3 });
    await a.mutate('step', { n: 4 });
    await drain(a);
    m = await r.scrape();
    expect(m.value('syncline_dead_letters_total')).toBe(1);
    expect(m.value('syncline_http_requests_total', { route: 'push', status: '500' })).toBe(1);
    expect(m.value('syncline_mutations_total', { outcome: 'rejected' })).toBe(2);
    expect(m.value('syncline_mutations_total', { outcome: 'applied' })).toBe(6);
    // A handler that throws is not a database error.
    expect(m.value('syncline_database_errors_total', { operation: 'request' })).toBe(0);
    const [letter] = await r.server.deadLetters();
    expect(await r.server.replayDeadLetter(letter?.id ?? '')).toMatchObject({ status: 'failed' });
    expect((await r.scrape()).value('syncline_dead_letter_replays_total', { result: 'failed' })).toBe(1);

    // A resend of a settled mutation is a duplicate, not a second application.
    const resend = await fetch(`${r.http.url}/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t1' },
      body: JSON.stringify({ v: 1, clientId: a.clientId, mutations: [{ id: 1, name: 'put', createdAt: 1, args: { collection: 'notes', key: 'n1', value: { text: 'n1' }, baseVersion: null } }] }),
    });
    expect(resend.status).toBe(200);
    m = await r.scrape();
    expect(m.value('syncline_mutations_total', { outcome: 'duplicate' })).toBe(1);
    expect(m.value('syncline_mutations_total', { outcome: 'applied' })).toBe(6);

    // The scope's version is the cursor a full pull ends at.
    const reader = await r.client();
    await reader.sync();
    const pulled = await fetch(`${r.http.url}/v1/pull`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t1' },
      body: JSON.stringify({ v: 1, clientId: reader.clientId, cursor: 0, limit: 1000 }),
    });
    const { cursor } = (await pulled.json()) as { cursor: number };
    expect(cursor).toBeGreaterThan(0);
    expect(m.value('syncline_scope_version', { scope: 'shop' })).toBe(cursor);

    // An open event stream is counted while it is open.
    const events = new AbortController();
    const stream = await fetch(`${r.http.url}/v1/events`, { headers: { authorization: 'Bearer t1' }, signal: events.signal });
    expect(stream.status).toBe(200);
    await stream.body?.getReader().read();
    expect((await r.scrape()).value('syncline_sse_connections')).toBe(1);
    events.abort();

    // And an open WebSocket, until it closes.
    expect((await r.scrape()).value('syncline_websocket_connections')).toBe(0);
    const socket = new WebSocket(`${r.http.url.replace(/^http/, 'ws')}/v1/socket`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    expect((await r.scrape()).value('syncline_websocket_connections')).toBe(1);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.close();
    await closed;
    await expect.poll(async () => (await r.scrape()).value('syncline_websocket_connections')).toBe(0);
  });

  it('counts a request that fails in the database, and not a request refused for bad input', async () => {
    const r = await run();
    const a = await r.client();
    await a.collection('notes').put('n1', { text: 'one' });
    await a.sync();
    // Another connection takes the records table away under the running server: a real SQLite error.
    const other = new Database(r.dbPath);
    cleanups.push(() => void other.close());
    other.exec('ALTER TABLE records RENAME TO records_away');
    await a.collection('notes').put('n2', { text: 'two' });
    await expect(a.sync()).rejects.toThrow();
    const bad = await fetch(`${r.http.url}/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t1' }, body: '{"v":1}' });
    expect(bad.status).toBe(400);
    const m = await r.scrape();
    expect(m.value('syncline_http_requests_total', { route: 'push', status: '500' })).toBe(1);
    expect(m.value('syncline_http_requests_total', { route: 'push', status: '400' })).toBe(1);
    expect(m.value('syncline_database_errors_total', { operation: 'request' })).toBe(1);
    other.exec('ALTER TABLE records_away RENAME TO records');
    await a.sync();
    expect(await a.pendingCount()).toBe(0);
  });

  it('keeps label sets bounded: unknown paths share route="other", and at most maxScopes scopes are exported', async () => {
    const tokens = Object.fromEntries(['s1', 's2', 's3'].map((s) => [`t-${s}`, s]));
    const r = await run({ auth: tokenAuth(tokens), metrics: await createServerMetrics({ token: METRICS_TOKEN, maxScopes: 2 }) });
    for (const path of ['/wp-admin', '/v1/../etc/passwd', '/v2/push']) await fetch(`${r.http.url}${path}`);
    for (const scope of ['s1', 's2', 's3']) {
      const client = await memoryClient(createHttpTransport({ url: r.http.url, token: `t-${scope}` }));
      cleanups.push(() => client.close());
      await client.collection('notes').put('k', { scope });
      await client.sync();
    }
    const m = await r.scrape();
    expect(m.value('syncline_http_requests_total', { route: 'other', status: '404' })).toBe(3);
    // (This scrape itself is counted once it has been answered.)
    expect(m.labels('syncline_http_requests_total').map((l) => l['route']).sort()).toEqual(['other', 'pull', 'push']);
    // The two most recently changed scopes.
    expect(m.labels('syncline_scope_version')).toEqual([{ scope: 's2' }, { scope: 's3' }]);
  });

  it('two servers in one process count separately; one metrics object refuses a second server; nothing lands in prom-client\'s default registry', async () => {
    const first = await run();
    const second = await run();
    const client = await first.client();
    await client.collection('notes').put('n', { text: 'only on the first' });
    await client.sync();
    expect((await first.scrape()).value('syncline_mutations_total', { outcome: 'applied' })).toBe(1);
    expect((await second.scrape()).value('syncline_mutations_total', { outcome: 'applied' })).toBe(0);

    const shared = await createServerMetrics({ token: METRICS_TOKEN });
    const dir = tempDir('syncline-metrics-');
    cleanups.push(() => dir.remove());
    const one = createSyncServer({ database: { sqlite: join(dir.path, 'a.db') }, auth: tokenAuth({}), metrics: shared });
    cleanups.push(() => one.close());
    expect(() => createSyncServer({ database: { sqlite: join(dir.path, 'b.db') }, auth: tokenAuth({}), metrics: shared })).toThrow(/createServerMetrics\(\) once per server/);

    const { register } = await import('prom-client');
    expect(await register.metrics()).not.toContain('syncline_');
  });

  it('without metrics there is no /metrics endpoint', async () => {
    const r = await run({ metrics: undefined as never });
    const response = await fetch(`${r.http.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(404);
  });

  it('refuses a token that cannot travel in a bearer header', async () => {
    await expect(createServerMetrics({ token: 'has space' })).rejects.toThrow(/metrics token/);
    await expect(createServerMetrics({ token: '' })).rejects.toThrow(/metrics token/);
    await expect(createServerMetrics({ maxScopes: -1 })).rejects.toThrow(/maxScopes/);
  });
});
