/**
 * The scheduled tombstone purge on a real SQLite file: old tombstones go by themselves, a client
 * behind the new horizon is told to reset, young tombstones stay, a failing run is logged and the
 * next one succeeds, bad options fail at creation, and close() leaves the process free to exit.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { eventually } from '../server-pg/harness.js';
import { mutation, putNote, recordingLogger, startServer, tempDir, writableNotes } from './helpers.js';
import type { TestServer } from './helpers.js';

const deleteNote = (id: number, key: string) => mutation(id, 'delete', { collection: 'notes', key, baseVersion: null });

function tombstoneCount(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM records WHERE deleted = 1').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('scheduled tombstone purge [sqlite]', () => {
  const started: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((t) => t.cleanup()));
  });

  it('purges tombstones older than retainMs by itself; a cursor behind the horizon gets reset-required', async () => {
    const { logger, entries } = recordingLogger();
    const t = startServer({ collections: writableNotes, logger, tombstones: { retainMs: 1500, purgeEveryMs: 25 } });
    started.push(t);
    await t.pushOk([putNote(1, 'a'), putNote(2, 'b')]);
    const behind = await t.pull(0);
    expect(behind.cursor).toBe(2);
    await t.pushOk([deleteNote(3, 'a')]);
    expect(tombstoneCount(t.dbPath)).toBe(1);

    await eventually('the schedule purges the tombstone', () => tombstoneCount(t.dbPath) === 0);
    expect(entries.some((e) => e.level === 'info' && e.message === 'server: tombstones purged')).toBe(true);
    const stale = await t.post('/v1/pull', { v: 1, clientId: 'client-bbbb-0002', cursor: behind.cursor, limit: 100 });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('reset-required');
    // A full pull still serves the surviving record.
    expect((await t.pull(0)).changes.map((c) => c.key)).toEqual(['b']);
  });

  it('keeps tombstones younger than retainMs, however often it runs', async () => {
    const { logger, entries } = recordingLogger();
    const t = startServer({ collections: writableNotes, logger, tombstones: { retainMs: 60_000, purgeEveryMs: 10 } });
    started.push(t);
    await t.pushOk([putNote(1, 'a'), putNote(2, 'b')]);
    await t.pushOk([deleteNote(3, 'a')]);
    const ranAfterDelete = entries.length;
    await eventually('several purge runs', () => entries.slice(ranAfterDelete).filter((e) => e.message.startsWith('server: tombstone purge found nothing')).length >= 3);
    expect(tombstoneCount(t.dbPath)).toBe(1);
    expect((await t.pull(2)).changes).toEqual([{ collection: 'notes', key: 'a', version: 3, deleted: true }]);
  });

  it('logs a failed run and succeeds on a later tick', async () => {
    const { logger, entries } = recordingLogger();
    const t = startServer({ collections: writableNotes, logger, tombstones: { retainMs: 0, purgeEveryMs: 20 } });
    started.push(t);
    await t.pushOk([putNote(1, 'a'), deleteNote(2, 'a')]);
    // Take the table away behind the server's back (another connection), so every run fails.
    const other = new Database(t.dbPath);
    try {
      other.exec('ALTER TABLE records RENAME TO records_away');
      await eventually('a failure is logged', () => entries.some((e) => e.level === 'error' && e.message.startsWith('server: scheduled tombstone purge failed')));
      other.exec('ALTER TABLE records_away RENAME TO records');
    } finally {
      other.close();
    }
    await eventually('a later run purges', () => tombstoneCount(t.dbPath) === 0);
    expect((await t.pull(0)).changes).toEqual([]);
  });

  it('refuses unusable options at creation', () => {
    const create = (tombstones: { retainMs: number; purgeEveryMs?: number }) => () =>
      createSyncServer({ database: { sqlite: ':memory:' }, auth: tokenAuth({}), tombstones });
    expect(create({ retainMs: -1 })).toThrow(/tombstones\.retainMs/);
    expect(create({ retainMs: Number.NaN })).toThrow(/tombstones\.retainMs/);
    expect(create({ retainMs: 1000, purgeEveryMs: 0 })).toThrow(/tombstones\.purgeEveryMs/);
    expect(create({ retainMs: 1000, purgeEveryMs: 2 ** 31 })).toThrow(/tombstones\.purgeEveryMs/);
  });

  it('close() stops the schedule: the process exits on its own', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'purge-and-close.ts'), join(dir, 'server.db')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exit = await new Promise<number | null | 'hung'>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('hung');
      }, 20_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(err).toBe('');
    expect(out).toContain('purged 1, closed');
    expect(exit).toBe(0);
  }, 30_000);
});
