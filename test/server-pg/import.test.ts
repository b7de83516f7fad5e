// Bulk import on a real PostgreSQL: 100k records stopped once by an abort signal and resumed, then a
// fresh client pulls exactly those records and verifies; `syncline import` into the database pokes a
// server instance on it through LISTEN/NOTIFY.
import pg from 'pg';
import { expect, it } from 'vitest';
import { AbortedError } from '../../src/index.js';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { runImportCommand } from '../../src/cli/import.js';
import { describePostgres } from '../helpers/postgres.js';
import { tempDir } from '../server/helpers.js';
import { expectProducts, freshClientPull, products, versionsOffLine, writeProductsJsonl } from '../server/import-fixtures.js';
import { eventually } from './harness.js';
import { join } from 'node:path';
import { rmSync } from 'node:fs';

const TOTAL = 100_000;

async function storedRows(url: string): Promise<Array<{ key: string; version: string }>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ key: string; version: string }>("SELECT key, version FROM records WHERE scope = 'shop' AND collection = 'products'")).rows;
  } finally {
    await client.end();
  }
}

describePostgres('bulk import on PostgreSQL', (postgres) => {
  it('imports 100k records, stopped once by its abort signal and resumed; a fresh client pulls exactly them and verifies', async () => {
    const url = await postgres.createDatabase();
    const server = createSyncServer({ database: { postgres: url }, auth: tokenAuth({ till: 'shop' }) });
    try {
      const pokes: number[] = [];
      server.onScopeChanged((change) => pokes.push(change.version));
      const controller = new AbortController();
      const first = server.importRecords('shop', products(TOTAL), {
        collection: 'products',
        importId: 'catalogue',
        signal: controller.signal,
        onProgress: (p) => {
          if (p.position >= 35_000) controller.abort();
        },
      });
      await expect(first).rejects.toBeInstanceOf(AbortedError);
      expect(await storedRows(url)).toHaveLength(35_000);
      const result = await server.importRecords('shop', products(TOTAL), { collection: 'products', importId: 'catalogue' });
      expect(result).toMatchObject({ resumedFrom: 35_000, imported: 65_000, version: TOTAL, transactions: 13 });
      expect(pokes).toHaveLength(20);
      const rows = await storedRows(url);
      expect(rows).toHaveLength(TOTAL);
      expect(versionsOffLine(rows)).toEqual([]);
      const pulled = await freshClientPull(server, 'till', 'products');
      expect(pulled.verify).toBe('verified');
      expect(expectProducts(pulled, TOTAL)).toBeUndefined();
    } finally {
      await server.close();
    }
  }, 180_000);

  it('overwrites records and keeps a key written twice in one batch once, digest intact', async () => {
    const url = await postgres.createDatabase();
    const server = createSyncServer({ database: { postgres: url }, auth: tokenAuth({ till: 'shop' }) });
    try {
      await server.importRecords('shop', products(300), { collection: 'products', batchSize: 100 });
      const changed = [...products(300)].map((r) => ({ ...r, value: { ...r.value, stock: 0 } }));
      const twice = [{ key: 'p-1', value: { name: 'first' } }, { key: 'p-1', value: { name: 'second' } }];
      await server.importRecords('shop', [...changed, ...twice], { collection: 'products' });
      const pulled = await freshClientPull(server, 'till', 'products');
      expect(pulled.verify).toBe('verified');
      expect(pulled.records.size).toBe(300);
      expect(pulled.records.get('p-1')).toEqual({ name: 'second' });
    } finally {
      await server.close();
    }
  });

  it('syncline import pokes a server instance on the same database through LISTEN/NOTIFY', async () => {
    const url = await postgres.createDatabase();
    const dir = tempDir();
    const server = createSyncServer({ database: { postgres: url }, auth: tokenAuth({ till: 'shop' }) });
    try {
      await server.ready();
      const pokes: number[] = [];
      server.onScopeChanged((change) => pokes.push(change.version));
      const file = join(dir, 'products.jsonl');
      writeProductsJsonl(file, 3000);
      const lines: string[] = [];
      const code = await runImportCommand(['--db', url, '--scope', 'shop', '--collection', 'products', '--batch-size', '1000', file], { log: (l) => lines.push(l) }, new AbortController().signal);
      expect(code).toBe(0);
      await eventually('the import\'s last poke', () => pokes.includes(3000));
      const pulled = await freshClientPull(server, 'till', 'products');
      expect(pulled.verify).toBe('verified');
      expect(expectProducts(pulled, 3000)).toBeUndefined();
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

