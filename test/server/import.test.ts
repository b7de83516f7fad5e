// Bulk import on a real SQLite file: 100k records interrupted by an abort signal and resumed, then a
// fresh client pulls exactly those records and verifies the digest; a bad line stops the import at
// that line and keeps what came before; --skip-invalid reports and goes on; pokes once per commit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortedError, isSynclineError } from '../../src/index.js';
import { createSyncServer, ImportConflictError, ImportInputError, tokenAuth, type ImportProgress, type SyncServer } from '../../src/server.js';
import { runImportCommand } from '../../src/cli/import.js';
import { tempDir } from './helpers.js';
import { expectProducts, freshClientPull, products, versionsOffLine } from './import-fixtures.js';

const TOTAL = 100_000;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function serverOn(path: string): SyncServer {
  const server = createSyncServer({ database: { sqlite: path }, auth: tokenAuth({ till: 'shop' }) });
  cleanups.push(() => server.close());
  return server;
}

function newDir(): string {
  const dir = tempDir();
  cleanups.push(async () => (await import('node:fs')).rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function storedRows(path: string): Array<{ key: string; version: number }> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT key, version FROM records WHERE scope = 'shop' AND collection = 'products'").all() as Array<{ key: string; version: number }>;
  } finally {
    db.close();
  }
}

describe('server.importRecords on SQLite', () => {
  it('imports 100k records, stopped once by its abort signal and resumed; a fresh client pulls exactly them and verifies', async () => {
    const path = join(newDir(), 'server.db');
    const server = serverOn(path);
    const pokes: number[] = [];
    server.onScopeChanged((change) => pokes.push(change.version));
    const controller = new AbortController();
    const first = server.importRecords('shop', products(TOTAL), {
      collection: 'products',
      importId: 'catalogue',
      signal: controller.signal,
      onProgress: (p) => {
        if (p.position >= 40_000) controller.abort();
      },
    });
    await expect(first).rejects.toBeInstanceOf(AbortedError);
    expect(storedRows(path)).toHaveLength(40_000);
    expect(pokes).toEqual(Array.from({ length: 8 }, (_, i) => (i + 1) * 5000));

    const progress: ImportProgress[] = [];
    const result = await server.importRecords('shop', products(TOTAL), { collection: 'products', importId: 'catalogue', onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ resumedFrom: 40_000, imported: 60_000, position: TOTAL, version: TOTAL, transactions: 12, invalid: 0 });
    expect(progress[0]).toMatchObject({ resumedFrom: 40_000, imported: 0 });
    expect(pokes.at(-1)).toBe(TOTAL);
    expect(pokes).toHaveLength(20);

    const rows = storedRows(path);
    expect(rows).toHaveLength(TOTAL);
    expect(versionsOffLine(rows)).toEqual([]);
    const pulled = await freshClientPull(server, 'till', 'products');
    expect(pulled.verify).toBe('verified');
    expect(expectProducts(pulled, TOTAL)).toBeUndefined();

    // A rerun of a finished import writes nothing.
    const again = await server.importRecords('shop', products(TOTAL), { collection: 'products', importId: 'catalogue' });
    expect(again).toMatchObject({ imported: 0, version: TOTAL });
  }, 120_000);

  it('overwrites existing records keeping the digest, and keeps a key written twice in one batch once', async () => {
    const server = serverOn(join(newDir(), 'server.db'));
    await server.importRecords('shop', products(300), { collection: 'products', importId: 'a', batchSize: 100 });
    const changed = [...products(300)].map((r) => ({ ...r, value: { ...r.value, stock: 0 } }));
    const twice = [{ key: 'p-1', value: { name: 'first' } }, { key: 'p-1', value: { name: 'second' } }];
    const result = await server.importRecords('shop', [...changed, ...twice], { collection: 'products', importId: 'b', batchSize: 1000 });
    expect(result.version).toBe(300 + 300);
    const pulled = await freshClientPull(server, 'till', 'products');
    expect(pulled.verify).toBe('verified');
    expect(pulled.records.size).toBe(300);
    expect(pulled.records.get('p-1')).toEqual({ name: 'second' });
    expect(pulled.records.get('p-2')).toMatchObject({ stock: 0 });
  });

  it('two runs of one import at once: one is refused at its first commit, and nothing is written twice', async () => {
    const path = join(newDir(), 'server.db');
    const server = serverOn(path);
    const options = { collection: 'products', importId: 'twice', batchSize: 100 };
    const runs = await Promise.allSettled([server.importRecords('shop', products(1000), options), server.importRecords('shop', products(1000), options)]);
    const refused = runs.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(ImportConflictError);
    const rows = storedRows(path);
    expect(rows).toHaveLength(1000);
    expect(versionsOffLine(rows)).toEqual([]);
  });

  it('refuses what a push would refuse, naming the item: lone surrogates, NUL, __proto__, non-objects, bad collections', async () => {
    const server = serverOn(join(newDir(), 'server.db'));
    const cases: Array<[unknown, RegExp]> = [
      [{ key: 'a\uD800', value: {} }, /lone UTF-16 surrogate/],
      [{ key: 'a', value: { t: 'x\u0000' } }, /NUL/],
      [JSON.parse('{"key":"a","value":{"__proto__":{"x":1}}}'), /__proto__/],
      [{ key: 'a', value: [1] }, /"value" must be a JSON object/],
      [{ key: 'a', value: { n: Number.NaN } }, /"value.n" is not JSON/],
      [{ key: '', value: {} }, /"key" must have 1-256/],
      [{ key: 'a', value: {}, collection: '9x' }, /"collection" must be/],
      [{ key: 'a', value: {}, extra: 1 }, /unknown field "extra"/],
    ];
    for (const [record, message] of cases) {
      const failure = await server.importRecords('shop', [{ key: 'ok', value: {} }, record as never], { collection: 'products' }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ImportInputError);
      expect((failure as Error).message).toMatch(/^record 2: /);
      expect((failure as Error).message).toMatch(message);
    }
  });
});

describe('syncline import (in process) on SQLite', () => {
  async function cli(args: string[]): Promise<{ code: number | undefined; lines: string[]; error?: unknown }> {
    const lines: string[] = [];
    try {
      const code = await runImportCommand(args, { log: (line) => lines.push(line) }, new AbortController().signal);
      return { code, lines };
    } catch (error) {
      return { code: undefined, lines, error };
    }
  }

  async function preparedDb(dir: string): Promise<string> {
    const path = join(dir, 'server.db');
    const server = createSyncServer({ database: { sqlite: path }, auth: tokenAuth({}) });
    await server.ready();
    await server.close();
    return path;
  }

  it('stops at a bad line naming file:line, keeps everything before it, writes nothing after; then resumes at that line', async () => {
    const dir = newDir();
    const db = await preparedDb(dir);
    const file = join(dir, 'products.jsonl');
    const lines = [...products(20)].map((r) => JSON.stringify(r));
    lines[12] = '{"key": "p-13", "value": {"name": "broken"'; // line 13
    writeFileSync(file, `${lines.join('\n')}\n`);
    const failed = await cli(['--db', db, '--scope', 'shop', '--collection', 'products', '--batch-size', '5', file]);
    expect(failed.error).toBeInstanceOf(ImportInputError);
    expect((failed.error as Error).message).toContain(`${file}:13: not valid JSON`);
    expect(storedRows(db).map((r) => r.key).sort()).toEqual([...products(12)].map((r) => r.key).sort());

    lines[12] = JSON.stringify({ key: 'p-13', value: { name: 'fixed' } });
    writeFileSync(file, `${lines.join('\n')}\n`);
    const fixed = await cli(['--db', db, '--scope', 'shop', '--collection', 'products', '--batch-size', '5', file]);
    expect(fixed.code).toBe(0);
    expect(fixed.lines.at(-1)).toMatch(/^done: 8 records imported .* resumed after position 12/);
    const rows = storedRows(db);
    expect(rows).toHaveLength(20);
    expect(versionsOffLine(rows)).toEqual([]);
  });

  it('--skip-invalid reports each bad line and imports the rest', async () => {
    const dir = newDir();
    const db = await preparedDb(dir);
    const file = join(dir, 'products.jsonl');
    writeFileSync(file, ['{"key":"a","value":{}}', 'nope', '', '{"key":"b","value":{"x":"\\u0000"}}', '{"key":"c","value":{}}'].join('\r\n'));
    const run = await cli(['--db', db, '--scope', 'shop', '--collection', 'products', '--skip-invalid', file]);
    expect(run.code).toBe(0);
    expect(run.lines.filter((l) => l.startsWith('skipped'))).toEqual([
      `skipped ${file}:2: not valid JSON (Unexpected token 'o', "nope" is not valid JSON).`,
      expect.stringMatching(new RegExp(`^skipped ${file}:4: "value": "x" contains the NUL character`)) as unknown as string,
    ]);
    expect(run.lines.at(-1)).toMatch(/^done: 2 records imported .*2 invalid skipped, position 5/);
  });

  it('imports CSV: the header names the fields, --key names the key column, quoted cells keep commas, quotes and line breaks', async () => {
    const dir = newDir();
    const db = await preparedDb(dir);
    const file = join(dir, 'customers.csv');
    writeFileSync(file, '\uFEFFid,name,note\r\nc1,"Rossi, Anna","says ""hi"""\r\nc2,Bianchi,"two\nlines"\r\n\r\nc3,Verdi,\r\n');
    const run = await cli(['--db', db, '--scope', 'shop', '--collection', 'customers', '--key', 'id', file]);
    expect(run.code).toBe(0);
    const server = serverOn(db);
    const pulled = await freshClientPull(server, 'till', 'customers');
    expect(pulled.verify).toBe('verified');
    expect(Object.fromEntries(pulled.records)).toEqual({
      c1: { id: 'c1', name: 'Rossi, Anna', note: 'says "hi"' },
      c2: { id: 'c2', name: 'Bianchi', note: 'two\nlines' },
      c3: { id: 'c3', name: 'Verdi', note: '' },
    });
  });

  it('CSV: a row of the wrong width is named by the line it starts on; a missing key column fails at the header', async () => {
    const dir = newDir();
    const db = await preparedDb(dir);
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'id,name\nc1,"multi\nline"\nc2\n');
    const run = await cli(['--db', db, '--scope', 'shop', '--collection', 'customers', '--key', 'id', file]);
    expect((run.error as Error).message).toContain(`${file}:4: has 1 fields; the header has 2.`);
    const noKey = await cli(['--db', db, '--scope', 'shop', '--collection', 'customers', '--key', 'sku', file]);
    expect(isSynclineError(noKey.error) && noKey.error.message).toContain(`${file}:1: no column "sku"`);
  });
});
