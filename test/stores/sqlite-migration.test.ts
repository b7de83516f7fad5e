// Store format 1 → 2 on SQLite, from a file the format-1 code wrote (test/fixtures/store-v1).
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/sqlite.js';
import { SQLITE_MIGRATIONS, type SqliteStep } from '../../src/stores/migrations/sqlite-migrations.js';
import { planMigration } from '../../src/stores/migrations/registry.js';
import { openConnection, prepareSchema, SQLITE_STORE_FORMAT } from '../../src/stores/sqlite-schema.js';
import { tempDir } from '../helpers/harness.js';
import { copySqliteV1, expectAllEntriesKept, expectOutboxPushedOnce } from './fixtures/store-v1.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('syncline-migrate-');
});
afterEach(() => dir.remove());

function raw<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const settings = (path: string) => ({ path, busyTimeoutMs: 1000, durability: 'full' as const });

/** Runs prepareSchema with another registry, as an open would. */
function prepareWith(path: string, steps: readonly SqliteStep[]): void {
  const db = openConnection(settings(path), 'writer');
  try {
    prepareSchema(db, settings(path), steps);
  } finally {
    db.close();
  }
}

describe('SQLite store format 1 → 2', () => {
  it('a v1 store migrates with its outbox, records, jobs and cursor, then pushes the outbox once', async () => {
    const { path, entries } = copySqliteV1(dir.path);
    const store = await openSqliteStore(path);
    await expectAllEntriesKept(store, entries);
    raw(path, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(2);
      expect(db.prepare("SELECT name FROM pragma_table_info('kv')").pluck().all()).toEqual(['id', 'tbl', 'k', 'v']);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").pluck().all()).toEqual(['kv_key']);
    });
    await expectOutboxPushedOnce(dir.path, store);
  });

  it('a second open, and a completed step run again, change nothing', async () => {
    const { path, entries } = copySqliteV1(dir.path);
    await (await openSqliteStore(path)).close();
    const again = await openSqliteStore(path);
    await expectAllEntriesKept(again, entries);
    await again.close();
    raw(path, (db) => {
      for (const step of SQLITE_MIGRATIONS) step.up(db);
      expect(db.pragma('user_version', { simple: true })).toBe(2);
    });
    const third = await openSqliteStore(path);
    await expectAllEntriesKept(third, entries);
    await third.close();
  });

  it('a step that fails (a crash mid-migration) leaves the v1 file intact, and the next open migrates it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1 }), fc.boolean(), async (failAt, afterWork) => {
        const { path, entries } = copySqliteV1(dir.path, `crash-${failAt}-${afterWork}.sqlite`);
        const before = raw(path, (db) => db.prepare('SELECT tbl, k, v FROM kv ORDER BY tbl, k').raw().all());
        // The 1 → 2 step, failing before or after its work; or a further 2 → 3 step failing after 1 → 2 ran.
        const steps: SqliteStep[] = [...SQLITE_MIGRATIONS];
        const failing = (step: SqliteStep): SqliteStep => ({
          ...step,
          up(db) {
            if (afterWork) step.up(db);
            throw new Error('simulated crash');
          },
        });
        if (failAt === 0) steps[1] = failing(steps[1] as SqliteStep);
        else steps.push(failing({ from: 2, to: 3, name: 'later', up: () => undefined }));
        const db = openConnection(settings(path), 'writer');
        try {
          expect(() => prepareSchema(db, settings(path), steps, failAt === 0 ? 2 : 3)).toThrow(/simulated crash/);
        } finally {
          db.close();
        }
        raw(path, (d) => {
          expect(d.pragma('user_version', { simple: true })).toBe(1);
          expect(d.prepare('SELECT tbl, k, v FROM kv ORDER BY tbl, k').raw().all()).toEqual(before);
        });
        const store = await openSqliteStore(path);
        await expectAllEntriesKept(store, entries);
        await store.close();
      }),
      { numRuns: 4 },
    );
  });

  it('refuses a store from a newer syncline with a clear error, byte for byte untouched', async () => {
    const { path } = copySqliteV1(dir.path);
    await (await openSqliteStore(path)).close();
    // Rollback-journal mode, so that switching it to WAL before refusing would show in the bytes.
    raw(path, (db) => {
      db.pragma('journal_mode = DELETE');
      db.pragma(`user_version = ${SQLITE_STORE_FORMAT + 1}`);
    });
    const bytes = readFileSync(path);
    const error = await openSqliteStore(path).then(
      () => expect.fail('expected a refusal'),
      (e: unknown) => e as Error & { details?: unknown },
    );
    expect(error.name).toBe('StoreFormatTooNewError');
    expect(error.message).toMatch(/store format 3, but this syncline supports store formats up to 2/);
    expect(error.message).toMatch(/Upgrade this app/);
    expect(error.details).toMatchObject({ foundFormat: 3, supportedFormat: 2 });
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('a registry with a gap is refused before anything runs', () => {
    const { path } = copySqliteV1(dir.path);
    expect(() => prepareWith(path, [SQLITE_MIGRATIONS[0] as SqliteStep])).toThrow(/no step from store format 1 to 2/);
    expect(planMigration(SQLITE_MIGRATIONS, 0, 2).plan?.map((s) => s.to)).toEqual([1, 2]);
    expect(planMigration(SQLITE_MIGRATIONS, 0, 3)).toEqual({ missing: 2 });
    raw(path, (db) => expect(db.pragma('user_version', { simple: true })).toBe(1));
  });
});
