// Realtime pokes over Server-Sent Events on real HTTP: a write by one client reaches another that
// does no interval polling, through a poke; on PostgreSQL, across two server instances.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient, createSsePokes, type SynclineClient } from '../../src/index.js';
import { parsePokeEvent } from '../../src/transport/realtime.js';
import { createSyncServer, serveNode, tokenAuth } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { describePostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/harness.js';

const products = { products: { writable: true } };

async function listener(url: string) {
  const realtime = createSsePokes({ url, token: 't' });
  const client = await createClient({
    store: createMemoryStore(),
    transport: createHttpTransport({ url, token: 't' }),
    realtime,
    pullIntervalMs: 0, // no polling: only pokes (and its own writes) start a pull
  });
  const triggers: string[] = [];
  client.on('sync.started', (e) => triggers.push(e.trigger));
  return { client, realtime, triggers };
}

async function writer(url: string): Promise<SynclineClient> {
  return createClient({ store: createMemoryStore(), transport: createHttpTransport({ url, token: 't' }), autoSync: false });
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pokes over SSE', () => {
  it("a client without polling pulls another client's write as soon as the server pokes it", async () => {
    const dir = tempDir();
    const server = createSyncServer({ database: { sqlite: join(dir.path, 's.db') }, auth: tokenAuth({ t: 'shop' }), collections: products });
    const http = await serveNode(server, { port: 0 });
    const b = await listener(http.url);
    const a = await writer(http.url);
    try {
      await until(async () => b.triggers.length > 0); // its start cycle
      await a.collection('products').put('espresso', { price: '1.20' });
      await a.sync();
      await until(async () => (await b.client.collection('products').get('espresso')) !== undefined);
      expect(b.triggers).toContain('poke');
    } finally {
      await a.close();
      await b.client.close();
      b.realtime.close();
      await http.close();
      await server.close();
      dir.remove();
    }
  });

  it('parses only version-1 poke events', () => {
    expect(parsePokeEvent('event: poke\ndata: {"v":1,"version":42}')).toEqual({ version: 42 });
    expect(parsePokeEvent(': ping')).toBeUndefined();
    expect(parsePokeEvent('event: poke\ndata: {"v":2,"version":42}')).toBeUndefined();
    expect(parsePokeEvent('event: poke\ndata: not json')).toBeUndefined();
    expect(parsePokeEvent('data: {"v":1,"version":1}')).toBeUndefined();
  });
});

describePostgres('pokes across server instances', (pg) => {
  it('a write through instance 1 pokes a client streaming from instance 2', async () => {
    const url = await pg.createDatabase();
    const one = createSyncServer({ database: { postgres: url }, auth: tokenAuth({ t: 'shop' }), collections: products });
    const two = createSyncServer({ database: { postgres: url }, auth: tokenAuth({ t: 'shop' }), collections: products });
    const [h1, h2] = [await serveNode(one, { port: 0 }), await serveNode(two, { port: 0 })];
    const b = await listener(h2.url);
    const a = await writer(h1.url);
    try {
      await until(async () => b.triggers.length > 0);
      await a.collection('products').put('croissant', { price: '1.50' });
      await a.sync();
      await until(async () => (await b.client.collection('products').get('croissant')) !== undefined);
      expect(b.triggers).toContain('poke');
    } finally {
      await a.close();
      await b.client.close();
      b.realtime.close();
      await h1.close();
      await h2.close();
      await one.close();
      await two.close();
    }
  });
});
