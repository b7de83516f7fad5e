/**
 * Initialisation failures on SQLite: a path that cannot be a database file is a configuration error
 * that sticks (no retry per request, loud log, non-retryable ready()); a missing directory is
 * created; a file locked by another connection is a transient failure worth retrying.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isSynclineError } from '../../src/core/errors.js';
import { isTransientDatabaseError } from '../../src/server/server-init.js';
import { openSqliteDatabase } from '../../src/server/sqlite-dialect.js';
import { putNote, recordingLogger, startServer, tempDir, writableNotes } from './helpers.js';

describe('server initialisation failures [sqlite]', () => {
  it('a path below a regular file fails loudly and sticks: 500, one error log, non-retryable ready()', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    const { logger, entries } = recordingLogger();
    const t = startServer({ collections: writableNotes, logger, database: { sqlite: join(dir, 'not-a-dir', 'server.db') } }, dir);
    try {
      const failure: unknown = await t.server.ready().then(() => 'resolved', (error: unknown) => error);
      expect(isSynclineError(failure) && failure.retryable).toBe(false);
      expect(String((failure as Error).message)).toMatch(/could not set up its database.*(EEXIST|ENOTDIR).*Fix the database configuration and restart/);
      for (const _ of [1, 2]) {
        const response = await t.push([putNote(1, 'a')]);
        expect(response.status).toBe(500);
        expect(response.headers.get('retry-after')).toBeNull();
      }
      expect(entries.filter((e) => e.message.startsWith('server: database setup failed'))).toHaveLength(1);
    } finally {
      await t.cleanup();
    }
  });

  it('a directory that does not exist yet is created, not an error', async () => {
    const dir = tempDir();
    const t = startServer({ collections: writableNotes, database: { sqlite: join(dir, 'new', 'deeper', 'server.db') } }, dir);
    try {
      expect((await t.push([putNote(1, 'a')])).status).toBe(200);
    } finally {
      await t.cleanup();
    }
  });

  it('classifies real SQLite errors: a locked file is transient, an unusable path permanent', () => {
    const dir = tempDir();
    const path = join(dir, 'locked.db');
    const holder = new Database(path);
    const waiter = new Database(path, { timeout: 0 });
    try {
      holder.exec('BEGIN EXCLUSIVE');
      let busy: unknown;
      try {
        waiter.exec('BEGIN EXCLUSIVE');
      } catch (error) {
        busy = error;
      }
      expect((busy as { code?: string }).code).toBe('SQLITE_BUSY');
      expect(isTransientDatabaseError(busy)).toBe(true);
      writeFileSync(join(dir, 'file'), 'x');
      let unusable: unknown;
      try {
        openSqliteDatabase(join(dir, 'file', 'server.db'));
      } catch (error) {
        unusable = error;
      }
      expect((unusable as { code?: string }).code).toMatch(/^(EEXIST|ENOTDIR)$/);
      expect(isTransientDatabaseError(unusable)).toBe(false);
    } finally {
      holder.exec('ROLLBACK');
      waiter.close();
      holder.close();
    }
  });
});
