// GET /v1/health/ready next to the liveness answer: 200 only when the database answers and every
// migration has run; 503 (with the reason) otherwise — while /metrics keeps answering and counts the
// database errors. Real SQLite files, a real PostgreSQL client against a port nothing listens on.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createServerMetrics, createSyncServer, openSqliteDatabase, tokenAuth } from '../../src/server.js';
import type { SyncServer, SyncServerOptions } from '../../src/server.js';
import { freePort } from '../helpers/postgres-cluster.js';
import { tempDir } from '../helpers/harness.js';
import { parseExposition } from './metrics-scrape.js';

const TOKEN = 'metrics-token';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(database: SyncServerOptions['database'], extra: Partial<SyncServerOptions> = {}): Promise<SyncServer> {
  const server = createSyncServer({ database, auth: tokenAuth({ t1: 'shop' }), metrics: await createServerMetrics({ token: TOKEN }), ...extra });
  cleanups.push(() => server.close());
  return server;
}

function get(server: SyncServer, path: string, token?: string): Promise<Response> {
  return server.fetch(new Request(`http://test${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }));
}

async function databaseErrors(server: SyncServer, operation: string): Promise<number> {
  const response = await get(server, '/metrics', TOKEN);
  expect(response.status).toBe(200);
  return parseExposition(await response.text()).value('syncline_database_errors_total', { operation });
}

function sqlitePath(): string {
  const dir = tempDir('syncline-ready-');
  cleanups.push(() => dir.remove());
  return join(dir.path, 'server.db');
}

describe('readiness', () => {
  it('answers 200 without credentials once the database is open and migrated, also under a basePath', async () => {
    const server = await start({ sqlite: sqlitePath() }, { basePath: '/sync' });
    const response = await get(server, '/sync/v1/health/ready');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ v: 1, status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('answers 503 while PostgreSQL cannot be reached, and /metrics still answers and counts each connection attempt', async () => {
    // Nothing listens on this port, so no PostgreSQL installation is needed.
    const server = await start({ postgres: `postgres://postgres@127.0.0.1:${await freePort()}/postgres` });
    const response = await get(server, '/v1/health/ready');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ error: { code: 'not-ready', retryable: true, details: { checks: { database: 'unavailable' } } } });
    // Liveness is unchanged: it too waits for the database today (503 database-unavailable).
    expect((await get(server, '/v1/health')).status).toBe(503);
    // One attempt so far (the liveness request fell inside its backoff or made a second one): scraping makes none.
    const attempts = await databaseErrors(server, 'init');
    expect([1, 2]).toContain(attempts);
    expect(await databaseErrors(server, 'init')).toBe(attempts);
  });

  it('answers 503, not retryable, when the database cannot be set up at all; the failure counts once', async () => {
    const path = sqlitePath();
    writeFileSync(path, 'not a directory');
    const server = await start({ sqlite: join(path, 'below-a-file.db') });
    for (let i = 0; i < 3; i++) {
      const response = await get(server, '/v1/health/ready');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBeNull();
      expect(await response.json()).toMatchObject({ error: { code: 'not-ready', retryable: false } });
    }
    expect(await databaseErrors(server, 'init')).toBe(1);
  });

  it('answers 503 naming the migration the database misses', async () => {
    const path = sqlitePath();
    const server = await start({ sqlite: path });
    expect((await get(server, '/v1/health/ready')).status).toBe(200);
    const other = new Database(path);
    cleanups.push(() => void other.close());
    other.prepare('DELETE FROM syncline_migrations WHERE name = ?').run('0008_value_digest');
    const response = await get(server, '/v1/health/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'not-ready', retryable: false, details: { checks: { database: 'ok', migrations: ['0008_value_digest'] } } } });
  });

  it('answers 503 when the database stops answering after start-up, and counts the failed probe', async () => {
    const db = openSqliteDatabase(sqlitePath());
    const server = await start(db);
    expect((await get(server, '/v1/health/ready')).status).toBe(200);
    expect(db).toBeInstanceOf(Kysely);
    await db.destroy();
    const response = await get(server, '/v1/health/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'not-ready', retryable: true, details: { checks: { database: 'unreachable' } } } });
    expect(await databaseErrors(server, 'probe')).toBe(1);
  });
});
