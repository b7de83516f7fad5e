/**
 * PostgreSQL restarting under a running `syncline serve` (a real child process) while clients push:
 * `pg_ctl restart -m immediate` twice, then a stop long enough to be seen. The server process must
 * live through it, requests during the outage must answer 503 `database-unavailable` with Retry-After
 * (never 500), LISTEN must resume (a poke from another instance reaches a stream opened before the
 * restarts), and the clients — resending what was not acknowledged, as clients do — must converge
 * with every mutation applied exactly once (each increments its own counter: lost = missing, doubled = 2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { findPostgresBindir, freePort, startLocalCluster } from '../helpers/postgres-cluster.js';
import { postgresAvailability } from '../helpers/postgres.js';
import { tempDir, wrapServer } from '../server/helpers.js';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const CLIENTS = 3;
const BATCHES = 12;
const BATCH = 20;

const bindir = findPostgresBindir();
// This suite restarts its own cluster, so it needs the binaries even when SYNCLINE_PG_URL is set.
const suite = bindir !== undefined && postgresAvailability().available ? describe : describe.skip;
if (bindir === undefined && process.env.CI === 'true') throw new Error('CI=true: the PostgreSQL restart suite needs initdb/pg_ctl');

const increments = (clientId: string, from: number, count: number) => JSON.stringify({
  v: 1,
  clientId,
  mutations: Array.from({ length: count }, (_, i) => ({ id: from + i, name: 'increment', args: { collection: 'products', key: `${clientId}-${from + i}`, field: 'applied', by: 1 }, createdAt: from + i })),
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

suite('PostgreSQL restarting under syncline serve [postgres]', () => {
  let cluster: Awaited<ReturnType<typeof startLocalCluster>>;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    cluster = await startLocalCluster(bindir as string);
  });
  afterAll(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cluster?.stop();
  });

  it('keeps the process alive, answers 503 during the outage, resumes LISTEN, and the clients converge exactly once', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--db', cluster.url, '--port', String(port), '--token', 't=s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    while (!output.includes('listening on')) {
      if (child.exitCode !== null) throw new Error(`serve exited: ${output}`);
      await sleep(20);
    }
    const auth = { authorization: 'Bearer t', 'content-type': 'application/json' };

    // A stream opened before the restarts: later pokes from another instance must still reach it.
    const events = await fetch(`${url}/v1/events`, { headers: { authorization: 'Bearer t' } });
    const reader = events.body!.getReader();
    let streamed = '';
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        streamed += new TextDecoder().decode(value);
      }
    })();

    // Clients: push each batch until acknowledged; every answer must be 200 or 503 database-unavailable.
    const unexpected: string[] = [];
    let unavailable = 0;
    let acknowledged = 0;
    const clients = Array.from({ length: CLIENTS }, async (_, n) => {
      const clientId = `client-restart-${n}`;
      for (let b = 0; b < BATCHES; b += 1) {
        for (;;) {
          const response = await fetch(`${url}/v1/push`, { method: 'POST', headers: auth, body: increments(clientId, 1 + b * BATCH, BATCH) }).catch((error: unknown) => String(error));
          if (typeof response === 'string') {
            unexpected.push(`network: ${response}`);
            await sleep(100);
            continue;
          }
          const body = await response.text();
          if (response.status === 200) break;
          if (response.status === 503 && body.includes('"database-unavailable"') && response.headers.get('retry-after') !== null) unavailable += 1;
          else unexpected.push(`${response.status} ${body}`);
          await sleep(100);
        }
        acknowledged += 1;
        // Pace the clients so the outages below fall in the middle of their work.
        await sleep(20);
      }
    });

    const untilAcknowledged = async (count: number): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (acknowledged < count) {
        if (Date.now() > deadline) throw new Error(`stuck at ${acknowledged} acknowledged batches; unexpected: ${unexpected.slice(0, 5).join(' | ')}; server said:\n${output}`);
        await sleep(10);
      }
    };
    await untilAcknowledged(4);
    await cluster.pgCtl(['restart', '-m', 'immediate']);
    await untilAcknowledged(12);
    await cluster.pgCtl(['restart', '-m', 'immediate']);
    await untilAcknowledged(20);
    await cluster.pgCtl(['stop', '-m', 'immediate']);
    // While it is down: a request is answered 503 with Retry-After (not left hanging, not 500).
    const down = await fetch(`${url}/v1/pull`, { method: 'POST', headers: auth, body: JSON.stringify({ v: 1, clientId: 'client-probe-0001', cursor: 0, limit: 1 }) });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe('database-unavailable');
    await cluster.pgCtl(['start']);
    await Promise.race([Promise.all(clients), sleep(30_000).then(() => {
      throw new Error(`clients stuck at ${acknowledged} acknowledged batches; unexpected: ${unexpected.slice(0, 5).join(' | ')}; server said:\n${output}`);
    })]);

    expect(child.exitCode, output).toBeNull();
    expect(unexpected, output).toEqual([]);
    expect(unavailable).toBeGreaterThan(0);

    // Another instance writes; the stream on the restarted-under instance hears about it (LISTEN resumed).
    const other = wrapServer(createSyncServer({ database: { postgres: cluster.url }, auth: tokenAuth({ t: 's' }), collections: { products: { writable: true } } }), tempDir(), cluster.url);
    try {
      const last = await other.pushOk([{ id: 1, name: 'increment', args: { collection: 'products', key: 'from-other', field: 'applied', by: 1 }, createdAt: 1 }], { clientId: 'client-other-0001', token: 't' });
      expect(last.outcomes[0]?.status).toBe('applied');
      const { version } = await other.pull(0, 1, { clientId: 'client-other-0001', token: 't' }).then(async () => {
        const head = await other.pull(0, 5000, { clientId: 'client-other-0001', token: 't' });
        return { version: head.cursor };
      });
      const deadline = Date.now() + 20_000;
      while (!streamed.includes(`"version":${version}}`)) {
        if (Date.now() > deadline) throw new Error(`no poke for version ${version} on the stream: ${streamed}\n${output}`);
        await sleep(20);
      }

      // Exactly once, per mutation.
      const applied = new Map<string, unknown>();
      for (let cursor = 0; ;) {
        const page = await other.pull(cursor, 5000, { clientId: 'client-other-0001', token: 't' });
        for (const c of page.changes) applied.set(c.key, 'value' in c ? (c.value as { applied?: unknown }).applied : 'deleted');
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
      for (let n = 0; n < CLIENTS; n += 1) {
        for (let id = 1; id <= BATCHES * BATCH; id += 1) expect(applied.get(`client-restart-${n}-${id}`), `client ${n} #${id}`).toBe(1);
      }
    } finally {
      await other.cleanup();
    }

    await reader.cancel().catch(() => {});
    await reading;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
