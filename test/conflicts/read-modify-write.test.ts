// Read-modify-write from two writers on one local database: two client instances (two store handles)
// on one SQLite file each read the stock, then write `seen − 1`. With `expected` the second write is a
// conflict the collection's policy resolves — never a silently lost sale.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SynclineClient } from '../../src/index.js';
import { isSynclineError } from '../../src/core/errors.js';
import type { CollectionPolicy } from '../../src/server.js';
import { serverView, sqliteClient, tempDir } from '../helpers/harness.js';
import { startConflictServer, type ConflictServer } from './helpers.js';

const POLICIES: Record<string, CollectionPolicy> = {
  strict: { writable: true, conflicts: 'server-wins' },
  stock: { writable: true, conflicts: { merge: { stock: 'delta' } } },
};

let dir: ReturnType<typeof tempDir>;
let server: ConflictServer;
const open: SynclineClient[] = [];

beforeEach(() => {
  dir = tempDir('syncline-rmw-');
  server = startConflictServer(join(dir.path, 'server.db'), POLICIES);
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await server.close();
  dir.remove();
});

/** Two "tabs": two client instances, each with its own handle on one SQLite file. */
async function twoTabs(): Promise<[SynclineClient, SynclineClient]> {
  const path = join(dir.path, 'till.db');
  const a = await sqliteClient(path, server.transport());
  const b = await sqliteClient(path, server.transport());
  open.push(a, b);
  return [a, b];
}

async function seed(collection: string, stock: number): Promise<void> {
  const owner = await sqliteClient(join(dir.path, 'owner.db'), server.transport());
  await owner.collection(collection).put('espresso', { name: 'Espresso', stock });
  await owner.sync();
  await owner.close();
}

/** Both tabs read, then both write `seen − 1`, passing what they read. */
async function sellFromBoth(a: SynclineClient, b: SynclineClient, collection: string): Promise<void> {
  await a.sync();
  const seenA = Number((await a.collection(collection).get('espresso'))?.['stock']);
  const seenB = Number((await b.collection(collection).get('espresso'))?.['stock']);
  await a.collection(collection).patch('espresso', { stock: seenA - 1 }, { expected: { stock: seenA } });
  await b.collection(collection).patch('espresso', { stock: seenB - 1 }, { expected: { stock: seenB } });
}

async function stockOf(client: SynclineClient, collection: string): Promise<unknown> {
  return (await client.collection(collection).get('espresso'))?.['stock'];
}

describe('read-modify-write from two tabs on one database', () => {
  it('server-wins: the second sale is rejected as a conflict, not lost silently', async () => {
    await seed('strict', 10);
    const [a, b] = await twoTabs();
    await sellFromBoth(a, b, 'strict');
    const rejected: string[] = [];
    a.on('mutation.rejected', (e) => rejected.push(e.code));
    await a.sync();
    await b.sync();

    expect(rejected).toEqual(['conflict']);
    const audit = await server.audit();
    expect(audit.map((c) => [c.op, c.resolution, c.fields, c.expected])).toEqual([['patch', 'server', ['stock'], { stock: 10 }]]);
    expect((await serverView(server.transport(), 'strict'))[0]?.value['stock']).toBe(9);
    expect(await stockOf(a, 'strict')).toBe(9);
    expect(await stockOf(b, 'strict')).toBe(9);
    // The other tab reads the refusal from the shared log.
    expect((await b.rejectedMutations()).map((r) => [r.name, r.code])).toEqual([['patch', 'conflict']]);
  });

  it('a delta merge counts both sales', async () => {
    await seed('stock', 10);
    const [a, b] = await twoTabs();
    await sellFromBoth(a, b, 'stock');
    await a.sync();
    await b.sync();

    const audit = await server.audit();
    expect(audit.map((c) => [c.resolution, c.value?.['stock']])).toEqual([['merged', 8]]);
    expect((await serverView(server.transport(), 'stock'))[0]?.value['stock']).toBe(8);
    expect(await stockOf(a, 'stock')).toBe(8);
    expect(await stockOf(b, 'stock')).toBe(8);
  });

  it("ifChanged: 'throw' refuses locally when this database already shows the change", async () => {
    await seed('strict', 10);
    const [a, b] = await twoTabs();
    await a.sync();
    const seen = Number(await stockOf(b, 'strict'));
    await a.collection('strict').patch('espresso', { stock: 9 }, { expected: { stock: 10 } });
    const error = await b
      .collection('strict')
      .patch('espresso', { stock: seen - 1 }, { expected: { stock: seen }, ifChanged: 'throw' })
      .catch((e: unknown) => e);
    expect(isSynclineError(error) && error.code).toBe('stale-read');
    expect(isSynclineError(error) && error.details).toMatchObject({ fields: ['stock'], expected: { stock: 10 }, current: { stock: 9 } });
    expect(await b.pendingCount()).toBe(1); // only tab A's sale was queued
    // Unchanged: the same option queues.
    await b.collection('strict').patch('espresso', { stock: 8 }, { expected: { stock: 9 }, ifChanged: 'throw' });
    await a.sync();
    expect((await serverView(server.transport(), 'strict'))[0]?.value['stock']).toBe(8);
    expect(await server.audit()).toEqual([]);
  });

  it('validates expected: every field set, and only those', async () => {
    const [a] = await twoTabs();
    const products = a.collection('strict');
    const codeOf = (p: Promise<unknown>) => p.then(() => 'queued', (e: unknown) => (isSynclineError(e) ? `${e.code}: ${e.message}` : String(e)));
    expect(await codeOf(products.patch('k', { stock: 1, name: 'x' }, { expected: { stock: 2 } }))).toMatch(/invalid-argument: .*no value for "name"/);
    expect(await codeOf(products.patch('k', { stock: 1 }, { expected: { stock: 2, price: 3 } }))).toMatch(/invalid-argument: .*names "price", which the patch does not set/);
    expect(await codeOf(products.patch('k', { stock: 1 }, { ifChanged: 'throw' }))).toMatch(/invalid-argument: .*needs `expected`/);
    expect(await codeOf(products.patch('k', { stock: 1 }, { baseVersion: 3 } as never))).toMatch(/invalid-argument: .*no option "baseVersion"/);
    expect(await codeOf(products.patch('k', { stock: 1 }, { expected: { stock: Number.NaN } }))).toMatch(/invalid-argument/);
    expect(await a.pendingCount()).toBe(0);
    // undefined = absent: a record that did not exist when read.
    expect(await codeOf(products.patch('k', { stock: 1 }, { expected: { stock: undefined } }))).toBe('queued');
  });
});
