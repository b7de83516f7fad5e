/**
 * A server started while its PostgreSQL is down answers 503 + Retry-After (one shared connection
 * attempt per burst), and serves normally once the database comes up — no restart. The cluster is
 * started later on a port chosen up front, where the server already points.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isSynclineError } from '../../src/core/errors.js';
import { isTransientDatabaseError } from '../../src/server/server-init.js';
import { findPostgresBindir, freePort, startLocalCluster } from '../helpers/postgres-cluster.js';
import { putNote, recordingLogger, writableNotes } from '../server/helpers.js';
import { serverOn, sleep } from './harness.js';

const bindir = process.env.SYNCLINE_SKIP_PG === '1' ? undefined : findPostgresBindir();
if (bindir === undefined) console.warn('[syncline tests] init retry [postgres]: skipped — no initdb/pg_ctl on this machine (or SYNCLINE_SKIP_PG=1)');

describe.skipIf(bindir === undefined)('initialisation retries while PostgreSQL is down [postgres]', () => {
  it('answers 503 + Retry-After while the database is down, then recovers without a restart', async () => {
    const port = await freePort();
    const { logger, entries } = recordingLogger();
    const t = serverOn(`postgres://postgres@127.0.0.1:${port}/postgres`, { collections: writableNotes, logger });
    let cluster: { stop(): Promise<void> } | undefined;
    try {
      const burst = await Promise.all([1, 2, 3, 4, 5].map(() => t.push([putNote(1, 'a')])));
      for (const response of burst) {
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
        expect(await response.json()).toMatchObject({ error: { code: 'database-unavailable', retryable: true } });
      }
      // The burst shared one connection attempt.
      expect(entries.filter((e) => e.message.startsWith('server: database unreachable'))).toHaveLength(1);
      const failure: unknown = await t.server.ready().then(() => 'resolved', (error: unknown) => error);
      expect(isSynclineError(failure) && failure.code === 'unavailable' && failure.retryable).toBe(true);

      cluster = await startLocalCluster(bindir ?? '', {}, port);
      const deadline = Date.now() + 30_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        const response = await t.push([putNote(1, 'a')]);
        status = response.status;
        if (status !== 200) {
          expect(status).toBe(503);
          await sleep(Number(response.headers.get('retry-after') ?? 1) * 250);
        }
      }
      expect(status).toBe(200);
      expect((await t.pull(0)).changes.map((c) => c.key)).toEqual(['a']);
      expect(entries.some((e) => e.message.startsWith('server: database reachable again'))).toBe(true);
    } finally {
      await t.cleanup();
      await cluster?.stop();
    }
  });

  it('tells transient connection failures from permanent ones, on real errors', async () => {
    const port = await freePort();
    const refused = await connectError(`postgres://postgres@127.0.0.1:${port}/postgres`);
    expect(isTransientDatabaseError(refused)).toBe(true);
    const cluster = await startLocalCluster(bindir ?? '', {}, port);
    try {
      const unknownDatabase = await connectError(`postgres://postgres@127.0.0.1:${port}/no_such_database`);
      expect((unknownDatabase as { code?: string }).code).toBe('3D000');
      expect(isTransientDatabaseError(unknownDatabase)).toBe(false);
    } finally {
      await cluster.stop();
    }
  });
});

async function connectError(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (error) {
    await client.end().catch(() => {});
    return error;
  }
}
