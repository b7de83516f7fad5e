import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSynclineError, type SynclineError } from '../../src/core/errors.js';
import { openSqliteStore } from '../../src/sqlite.js';
import { encodeSeq, type Store } from '../../src/stores/store.js';
import { runStoreConformance } from '../../src/testing.js';
import { spawnFixture, type Child } from './fixtures/child.js';
import { incrementSlowly } from './fixtures/slow-increment.js';

let dir: string;
let counter = 0;
let lastPath = '';
const freshPath = () => {
  lastPath = join(dir, `store-${++counter}.sqlite`);
  return lastPath;
};
const removeDatabase = (path: string) => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'syncline-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

runStoreConformance('sqlite', {
  open: () => openSqliteStore(freshPath()),
  reopen: () => openSqliteStore(lastPath),
  cleanup: async () => removeDatabase(lastPath),
});

async function failureOf(promise: Promise<unknown>): Promise<SynclineError> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  expect(isSynclineError(error), String(error)).toBe(true);
  return error as SynclineError;
}

function withRawDatabase(path: string, fn: (db: Database.Database) => void): void {
  const db = new Database(path);
  try {
    fn(db);
  } finally {
    db.close();
  }
}

describe('sqlite store specifics', () => {
  const stores: Store[] = [];
  const children: Child[] = [];
  const open = async (path: string, options?: Parameters<typeof openSqliteStore>[1]) => {
    const store = await openSqliteStore(path, options);
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    for (const child of children.splice(0)) child.process.kill('SIGKILL');
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('is named after its path and keeps plain keys readable in the file', async () => {
    const path = freshPath();
    const store = await open(path);
    expect(store.name).toBe(`sqlite:${path}`);
    await store.write(async (tx) => {
      await tx.put('records', 'plain-key', { a: 1 });
      await tx.put('records', 'lone \ud800 surrogate', 2);
    });
    await store.close();
    withRawDatabase(path, (db) => {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(2);
      expect(db.prepare("SELECT v FROM kv WHERE tbl = 'records' AND k = 'plain-key'").pluck().get()).toBe('{"a":1}');
    });
    const again = await open(path);
    expect(await again.read((tx) => tx.get('records', 'lone \ud800 surrogate'))).toBe(2);
  });

  it('reports a stored value that is not JSON as StoredDataError naming table and key', async () => {
    const path = freshPath();
    const store = await open(path);
    await store.write((tx) => tx.put('records', 'r1', { ok: true }));
    await store.close();
    withRawDatabase(path, (db) => db.prepare("UPDATE kv SET v = '{not json' WHERE k = 'r1'").run());
    const again = await open(path);
    for (const reading of [again.read((tx) => tx.get('records', 'r1')), again.read((tx) => tx.scan('records'))]) {
      const error = await failureOf(reading);
      expect(error.name).toBe('StoredDataError');
      expect(error.message).toContain('"records"');
      expect(error.message).toContain('"r1"');
      expect(error.cause).toBeInstanceOf(SyntaxError);
    }
  });

  it('refuses a file written by a newer syncline, saying which version it found', async () => {
    const path = freshPath();
    await (await openSqliteStore(path)).close();
    withRawDatabase(path, (db) => db.pragma('user_version = 7'));
    const error = await failureOf(openSqliteStore(path));
    expect(error.name).toBe('StoreFormatTooNewError');
    expect(error.message).toMatch(/store format 7/);
    expect(error.message).toMatch(/newer syncline/);
  });

  it('refuses a SQLite file that is not a syncline store, and leaves it untouched', async () => {
    const path = freshPath();
    withRawDatabase(path, (db) => db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)'));
    const error = await failureOf(openSqliteStore(path));
    expect(error.name).toBe('StoredDataError');
    expect(error.message).toContain('users');
    withRawDatabase(path, (db) => expect(db.pragma('journal_mode', { simple: true })).toBe('delete'));
  });

  it('refuses a file that is not a SQLite database, and a path that is not a file', async () => {
    const path = freshPath();
    writeFileSync(path, 'this is a text file, not a database '.repeat(100));
    expect((await failureOf(openSqliteStore(path))).name).toBe('StoredDataError');
    expect((await failureOf(openSqliteStore(':memory:'))).name).toBe('InvalidArgumentError');
  });

  it('fails a write retryably when another connection holds the write lock past busyTimeoutMs; reads go on', async () => {
    const path = freshPath();
    const store = await open(path, { busyTimeoutMs: 50 });
    await store.write((tx) => tx.put('t', 'k', 1));
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const error = await failureOf(store.write((tx) => tx.put('t', 'k', 2)));
      expect(error.retryable).toBe(true);
      expect(error.code).toBe('unavailable');
      expect(error.message).toContain('locked');
      expect(await store.read((tx) => tx.get('t', 'k'))).toBe(1);
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
    await store.write((tx) => tx.put('t', 'k', 3));
    expect(await store.read((tx) => tx.get('t', 'k'))).toBe(3);
  });

  it('loses no update when another process increments the same counter concurrently', async () => {
    const path = freshPath();
    const store = await open(path);
    const child = spawnFixture('./increment.ts', [path, '100']);
    children.push(child);
    await child.waitForLine((line) => line === 'ready');
    child.process.stdin?.write('go\n');
    for (let i = 0; i < 100; i++) {
      await incrementSlowly(store);
      await sleep(1);
    }
    await child.waitForLine((line) => line === 'done');
    expect(await child.exited).toBe(0);
    expect(await store.read((tx) => tx.get('t', 'counter'))).toBe(200);
  });

  it('keeps every write that resolved before the process was killed with SIGKILL', async () => {
    const path = freshPath();
    const child = spawnFixture('./write-until-killed.ts', [path, 'normal']);
    children.push(child);
    await child.waitForLine((line) => Number(line) >= 50);
    child.process.kill('SIGKILL');
    await child.exited;
    const acknowledged = Math.max(...child.lines.map(Number));
    const store = await open(path);
    const keys = await store.read((tx) => tx.scan('t', { end: encodeSeq(acknowledged + 1) }));
    expect(keys.map(([, value]) => (value as { i: number }).i)).toEqual(
      Array.from({ length: acknowledged }, (_, i) => i + 1),
    );
  });
});
