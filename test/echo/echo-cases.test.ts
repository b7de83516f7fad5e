// When a record comes back as an echo marker and when it must come back in full. In every case the
// client's confirmed state ends equal to the server's, values included, and the digest verifies.
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/protocol/json.js';
import type { MutationHandler } from '../../src/server.js';
import { confirmedState, echoedRecords, fullKeys, serverState, startRig, type Rig, type RigClient } from './rig.js';

let rig: Rig;
afterEach(async () => {
  await rig.cleanup();
});

async function syncedEqual(c: RigClient): Promise<void> {
  const result = await c.client.sync();
  expect(result.outcome).toBe('completed');
  expect(result.verify.status).toBe('verified');
  expect(await confirmedState(c.store)).toEqual(await serverState(rig));
}

/** Sync, keeping only the pages of this sync. */
async function pagesOfSync(c: RigClient) {
  c.pages.length = 0;
  await syncedEqual(c);
  return [...c.pages];
}

describe('echoes', () => {
  it('a put, a patch on an unchanged base, and a put-then-patch chain come back as markers', async () => {
    rig = await startRig();
    const a = await rig.client();
    const products = a.client.collection('products');
    await products.put('base', { name: 'Pane', stock: 3 });
    await a.client.sync();

    await products.put('fresh', { name: 'Latte', stock: 1 });
    await products.patch('base', { stock: 2 });
    await products.put('chain', { name: 'Caffè', stock: 9 });
    await products.patch('chain', { stock: 8 });
    await products.patch('chain', { price: '1.20' });
    const pages = await pagesOfSync(a);
    expect(fullKeys(pages)).toEqual([]);
    expect(echoedRecords(pages)).toBe(3);
    const markers = pages.flatMap((p) => p.echoes ?? []);
    expect(markers.find((m) => m.base !== undefined)).toBeDefined();
    expect(markers.find((m) => m.from !== undefined)).toBeDefined();
    expect(await products.get('chain')).toEqual({ name: 'Caffè', stock: 8, price: '1.20' });
  });

  it('an older client that does not ask for echoes gets full values', async () => {
    rig = await startRig();
    const a = await rig.client();
    await a.client.collection('products').put('p', { n: 1 });
    await a.client.sync({ direction: 'push' });
    const page = await a.transport.pull({ v: 1, clientId: a.client.clientId, cursor: 0, limit: 100 });
    expect(page.changes).toEqual([{ collection: 'products', key: 'p', version: 1, value: { n: 1 } }]);
    expect(page.echoes).toBeUndefined();
  });
});

describe('full values', () => {
  it("a named mutation's writes come back in full, even when the optimistic guess was right", async () => {
    const restock: MutationHandler = async (ctx, args) => {
      const { key, by } = args as { key: string; by: number };
      const current = (await ctx.get('products', key)) ?? {};
      await ctx.put('products', key, { ...current, stock: Number(current['stock'] ?? 0) + by, restockedBy: 'server' });
      return undefined;
    };
    const rename: MutationHandler = async (ctx, args) => {
      const { key, name } = args as { key: string; name: string };
      await ctx.put('products', key, { ...((await ctx.get('products', key)) ?? {}), name });
      return undefined;
    };
    rig = await startRig({ mutations: { 'products.restock': restock, 'products.rename': rename } });
    const a = await rig.client({
      mutators: {
        'products.rename': async (args, view) => {
          const { key, name } = args as { key: string; name: string };
          return [{ op: 'put', collection: 'products', key, value: { ...((await view.get('products', key)) ?? {}), name } }];
        },
      },
    });
    await a.client.collection('products').put('p', { name: 'Pane', stock: 1 });
    await a.client.collection('products').put('q', { name: 'Latte', stock: 1 });
    await a.client.sync();
    await a.client.mutate('products.restock', { key: 'p', by: 5 });
    await a.client.mutate('products.rename', { key: 'q', name: 'Latte macchiato' });
    const pages = await pagesOfSync(a);
    expect(fullKeys(pages).sort()).toEqual(['p', 'q']);
    expect(echoedRecords(pages)).toBe(0);
    expect(await a.client.collection('products').get('p')).toEqual({ name: 'Pane', stock: 6, restockedBy: 'server' });
  });

  it('a write whose conflict the server resolved comes back in full', async () => {
    rig = await startRig({ collections: { products: { writable: true, conflicts: 'last-writer-wins' } } });
    const a = await rig.client();
    const b = await rig.client();
    await b.client.collection('products').put('p', { name: 'from b', stock: 1 });
    await b.client.sync();
    // a never saw b's record: a conflict, which last-writer-wins resolves for a's later stamp.
    await a.client.collection('products').put('p', { name: 'from a' });
    const pages = await pagesOfSync(a);
    expect(fullKeys(pages)).toEqual(['p']);
    expect(echoedRecords(pages)).toBe(0);
    expect((await a.client.conflicts()).length).toBe(1);
  });

  it('a patch onto a base another client changed comes back in full', async () => {
    rig = await startRig();
    const a = await rig.client();
    const b = await rig.client();
    await b.client.collection('products').put('p', { name: 'Pane', stock: 1 });
    await b.client.sync();
    await a.client.sync();
    await b.client.collection('products').patch('p', { name: 'Pane nero' });
    await b.client.sync();
    // No conflict (a's field was untouched), but the value holds b's name, which a never saw.
    await a.client.collection('products').patch('p', { stock: 2 });
    const pages = await pagesOfSync(a);
    expect(fullKeys(pages)).toEqual(['p']);
    expect(echoedRecords(pages)).toBe(0);
    expect(await a.client.collection('products').get('p')).toEqual({ name: 'Pane nero', stock: 2 });
  });

  it('records from mutations the client no longer holds come in full after a reset', async () => {
    rig = await startRig();
    const a = await rig.client();
    const products = a.client.collection('products');
    for (const key of ['p1', 'p2', 'p3']) await products.put(key, { key });
    await a.client.sync();
    await products.put('p4', { key: 'p4' });
    await a.client.resetCursor();
    const pages = await pagesOfSync(a);
    expect(fullKeys(pages)).toEqual(['p1', 'p2', 'p3']);
    expect(echoedRecords(pages)).toBe(1);
  });

  it('a marker whose hash differs from what the client rebuilt is not applied: the page comes again in full', async () => {
    rig = await startRig();
    let tampered = 0;
    // The server's hash stands for its values; one that differs means the client's rebuild would be wrong.
    const a = await rig.client({
      rewritePull: (pull) => async (request, options) => {
        const page = await pull(request, options);
        if (page.echoes === undefined || page.echoes.length === 0) return page;
        tampered += 1;
        return { ...page, echoes: page.echoes.map((m) => ({ ...m, hash: '0123456789abcdef' })) };
      },
    });
    await a.client.collection('products').put('p', { name: 'Pane' });
    const pages = await pagesOfSync(a);
    expect(tampered).toBe(1);
    expect(echoedRecords(pages)).toBe(1);
    expect(fullKeys(pages)).toEqual(['p']);
  });

  it('a client that cannot rebuild an echo asks for the page again in full and stores no guess', async () => {
    rig = await startRig();
    // This client claims to hold every mutation since 1, though its settled entries are gone.
    const a = await rig.client({
      rewritePull: (pull) => (request, options) => pull(request.elideOwnFrom === undefined ? request : { ...request, elideOwnFrom: 1 }, options),
    });
    const products = a.client.collection('products');
    for (const key of ['p1', 'p2', 'p3']) await products.put(key, { key });
    await a.client.sync();
    await products.put('p4', { key: 'p4' });
    await a.client.resetCursor();
    const pages = await pagesOfSync(a);
    // First the page with four markers it could not resolve, then the same page in full.
    expect(echoedRecords(pages)).toBe(4);
    expect(fullKeys(pages)).toEqual(['p1', 'p2', 'p3', 'p4']);
    const values = [...(await confirmedState(a.store)).values()].map((r) => r.value as JsonObject);
    expect(values).toEqual([{ key: 'p1' }, { key: 'p2' }, { key: 'p3' }, { key: 'p4' }]);
  });
});
