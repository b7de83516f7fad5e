// The React Native store (syncline/react-native) over both adapters, each backed here by a real
// SQLite file through better-sqlite3 wrapped in the adapter's library shape: op-sqlite's
// `execute → { rows }` and expo-sqlite's `getAllAsync`. better-sqlite3 runs on this thread, so a
// busy lock is only ever escaped by the store's own retry on the timers — the hard case for the
// cross-instance clauses.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromExpoSqlite, fromOpSqlite, openReactNativeStore, syncOnForeground, type SqlParam } from '../../src/react-native.js';
import { openSqliteStore } from '../../src/sqlite.js';
import { runStoreConformance } from '../../src/testing.js';
import { copySqliteV1, expectAllEntriesKept } from './fixtures/store-v1.js';

let dir: string;
let counter = 0;
let lastPath = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'syncline-rn-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A connection that answers like a driver: rows for queries, nothing for other statements. */
function connection(path: string) {
  const db = new Database(path, { timeout: 0 });
  const statements = new Map<string, Database.Statement>();
  const run = (sql: string, params: SqlParam[]): Array<Record<string, unknown>> => {
    let statement = statements.get(sql);
    if (statement === undefined) statements.set(sql, (statement = db.prepare(sql)));
    if (statement.reader) return statement.all(...params) as Array<Record<string, unknown>>;
    statement.run(...params);
    return [];
  };
  return {
    run,
    close: () => {
      db.close();
    },
  };
}

const opSqlite = (path: string) => {
  const c = connection(path);
  return fromOpSqlite({ execute: async (sql, params = []) => ({ rows: c.run(sql, params) }), close: c.close });
};
const expoSqlite = (path: string) => {
  const c = connection(path);
  return fromExpoSqlite({ getAllAsync: async (sql, params) => c.run(sql, params), closeAsync: async () => c.close() });
};

for (const [name, adapter] of [
  ['op-sqlite', opSqlite],
  ['expo-sqlite', expoSqlite],
] as const) {
  runStoreConformance(`react-native (${name} adapter)`, {
    open: () => openReactNativeStore(adapter((lastPath = join(dir, `store-${++counter}.sqlite`)))),
    reopen: () => openReactNativeStore(adapter(lastPath)),
    readsWaitForWrites: true,
  });
}

describe('the react-native store', () => {
  it('reads a file the Node SQLite store wrote, and the other way round', async () => {
    const path = join(dir, 'shared.sqlite');
    const node = await openSqliteStore(path);
    await node.write((tx) => tx.put('records', 'p1', { name: 'Espresso', astral: '𝄞' }));
    await node.close();
    const rn = await openReactNativeStore(opSqlite(path));
    expect(await rn.read((tx) => tx.get('records', 'p1'))).toEqual({ name: 'Espresso', astral: '𝄞' });
    await rn.write((tx) => tx.put('records', '\ud800-lone', 1));
    await rn.close();
    const again = await openSqliteStore(path);
    expect(await again.read((tx) => tx.scan('records'))).toEqual([
      ['p1', { name: 'Espresso', astral: '𝄞' }],
      ['\ud800-lone', 1],
    ]);
    await again.close();
  });

  it('migrates a format-1 file (written by the format-1 code) to format 2, keeping every entry', async () => {
    const { path, entries } = copySqliteV1(dir);
    const store = await openReactNativeStore(expoSqlite(path));
    await expectAllEntriesKept(store, entries);
    await store.close();
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(2);
    expect(check.prepare("SELECT name FROM pragma_table_info('kv')").pluck().all()).toEqual(['id', 'tbl', 'k', 'v']);
    check.close();
  });

  it('refuses a file from a newer syncline untouched', async () => {
    const path = join(dir, 'newer.sqlite');
    const newer = new Database(path);
    newer.pragma('user_version = 9');
    newer.close();
    await expect(openReactNativeStore(opSqlite(path))).rejects.toMatchObject({ name: 'StoreFormatTooNewError' });
  });

  it('refuses a database that is not a syncline store and leaves it alone', async () => {
    const path = join(dir, 'foreign.sqlite');
    const foreign = new Database(path);
    foreign.exec('CREATE TABLE notes (body TEXT)');
    foreign.close();
    await expect(openReactNativeStore(expoSqlite(path))).rejects.toThrow(/not a syncline store/);
    const check = new Database(path);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['notes']);
    check.close();
  });

  it('fsyncs every commit by default (synchronous = FULL), NORMAL only when asked', async () => {
    const seen: string[] = [];
    const spy = (path: string) => {
      const inner = opSqlite(path);
      return { execute: (sql: string, params?: readonly SqlParam[]) => (seen.push(sql), inner.execute(sql, params)), close: () => inner.close() };
    };
    await (await openReactNativeStore(spy(join(dir, 'full.sqlite')))).close();
    await (await openReactNativeStore(spy(join(dir, 'normal.sqlite')), { durability: 'normal' })).close();
    expect(seen.filter((s) => s.startsWith('PRAGMA synchronous'))).toEqual(['PRAGMA synchronous = FULL', 'PRAGMA synchronous = NORMAL']);
  });

  it('syncs when the app returns to the foreground, not on other state changes', () => {
    let listener: (state: string) => void = () => undefined;
    let removed = false;
    let syncs = 0;
    const stop = syncOnForeground({ sync: () => (syncs++, { result: Promise.resolve() }) }, {
      addEventListener: (_type, l) => ((listener = l), { remove: () => void (removed = true) }),
    });
    listener('inactive');
    listener('background');
    listener('active');
    listener('active');
    expect(syncs).toBe(1);
    stop();
    expect(removed).toBe(true);
  });
});
