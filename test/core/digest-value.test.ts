// A value damaged with its version intact: the format-2 digest covers values, so a full recount finds
// it and the repair restores the server's value; format 1 (versions only) could not tell.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type SyncEvent, type SynclineClient } from '../../src/index.js';
import { openSqliteStore } from '../../src/stores/sqlite-store.js';
import { T, recordKey } from '../../src/core/local-schema.js';
import { scanLanes } from '../../src/core/digest-lanes.js';
import { addHash, emptyLanes, toDigest, versionOnlyHash, type DigestLanes } from '../../src/protocol/digest.js';
import type { JsonObject } from '../../src/protocol/json.js';
import type { Store, StoreReader } from '../../src/stores/store.js';
import type { Transport } from '../../src/transport/transport.js';
import { serverView, sqliteClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

const DAMAGED = recordKey('products', 'p07');

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let clientPath: string;
const open: SynclineClient[] = [];

beforeEach(async () => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
  clientPath = join(dir.path, 'client.db');
  const writer = await sqliteClient(join(dir.path, 'writer.db'), server.transport());
  for (let i = 0; i < 20; i++) await writer.collection('products').put(`p${String(i).padStart(2, '0')}`, { i, name: `product ${i}` });
  await writer.sync();
  await writer.close();
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await server.close();
  dir.remove();
});

async function openClient(events: SyncEvent[] = []): Promise<SynclineClient> {
  const client = await sqliteClient(clientPath, server.transport());
  client.subscribe((e) => events.push(e));
  open.push(client);
  return client;
}

async function closeClient(client: SynclineClient): Promise<void> {
  open.splice(open.indexOf(client), 1);
  await client.close();
}

/** Change the stored value of products/p07 in place, keeping its version: damage behind the engine's back. */
async function corruptValue(store: Store): Promise<void> {
  await store.write(async (tx) => {
    const row = (await tx.get(T.records, DAMAGED)) as { v: 1; value: JsonObject; version: number };
    await tx.put(T.records, DAMAGED, { ...row, value: { ...row.value, name: 'tampered' } });
  });
}

/** What the digest was before format 2: versions only. */
async function versionOnlyDigest(tx: StoreReader): Promise<ReturnType<typeof toDigest>> {
  let lanes: DigestLanes = emptyLanes();
  for (const [k, raw] of await tx.scan(T.records)) {
    const [collection = '', key = ''] = k.split('\u0000');
    lanes = addHash(lanes, versionOnlyHash(collection, key, (raw as { version: number }).version), 1);
  }
  return toDigest(lanes);
}

describe('a value corrupted with its version intact, on a real SQLite file', () => {
  it("is found by sync({ verify: 'full' }) and repaired to the server's value", async () => {
    const events: SyncEvent[] = [];
    const client = await openClient(events);
    expect((await client.sync()).verify).toMatchObject({ status: 'verified', full: true });
    const scanBefore = await client.store.read((tx) => scanLanes(tx));
    const format1Before = await client.store.read(versionOnlyDigest);

    await corruptValue(client.store);
    expect(await client.collection('products').get('p07')).toMatchObject({ name: 'tampered' });
    // Format 1 is blind to it: the version-only digest of the damaged store is unchanged.
    expect(await client.store.read(versionOnlyDigest)).toEqual(format1Before);
    expect(await client.store.read((tx) => scanLanes(tx))).not.toEqual(scanBefore);

    // The maintained lanes describe what the engine wrote, so a delta sync does not see it ...
    expect((await client.sync()).verify).toEqual({ status: 'verified', mismatches: [], repaired: [] });
    // ... the full recount does, rebuilds the lanes from the records and repairs the collection.
    events.length = 0;
    const result = await client.sync({ verify: 'full' });
    expect(result.verify).toEqual({ status: 'repaired', mismatches: ['products'], repaired: ['products'], full: true });
    expect(events.filter((e) => e.type.startsWith('verify.')).map((e) => e.type)).toEqual(['verify.recounted', 'verify.mismatch', 'verify.repaired']);
    expect(events.find((e) => e.type === 'verify.recounted')).toEqual({ type: 'verify.recounted', rebuilt: ['products'] });

    expect(await client.collection('products').get('p07')).toEqual({ i: 7, name: 'product 7' });
    expect(await client.collection('products').list()).toEqual(await serverView(server.transport(), 'products'));
    expect((await client.sync({ verify: 'full' })).verify).toEqual({ status: 'verified', mismatches: [], repaired: [], full: true });
    expect((await client.sync()).verify.status).toBe('verified');
  });

  it("is found by a reopened client's first cycle, keeping a pending write", async () => {
    let client = await openClient();
    expect((await client.sync()).verify.status).toBe('verified');
    await client.collection('products').patch('p03', { name: 'renamed offline' });
    await corruptValue(client.store);
    await closeClient(client);

    const events: SyncEvent[] = [];
    client = await openClient(events);
    const result = await client.sync({ direction: 'pull' });
    expect(result.verify).toEqual({ status: 'repaired', mismatches: ['products'], repaired: ['products'], full: true });
    expect(events.find((e) => e.type === 'verify.mismatch')).toMatchObject({ collection: 'products' });
    expect(await client.collection('products').get('p07')).toEqual({ i: 7, name: 'product 7' });
    expect(await client.collection('products').get('p03')).toEqual({ i: 3, name: 'renamed offline' });

    await client.sync();
    expect(await client.collection('products').list()).toEqual(await serverView(server.transport(), 'products'));
    expect((await client.sync()).verify.status).toBe('verified');
  });
});

describe('digests of another format', () => {
  it('are reported as incomparable, not repaired in a loop', async () => {
    const real = server.transport();
    // A server from before digest format 2: same digests shape, no digestFormat.
    const oldServer: Transport = {
      push: (request, options) => real.push(request, options),
      pull: async (request, options) => {
        const { digestFormat: _dropped, ...page } = await real.pull(request, options);
        return page;
      },
      health: (options) => real.health(options),
      stats: () => real.stats(),
    };
    const events: SyncEvent[] = [];
    const client = await createClient({ store: await openSqliteStore(clientPath), transport: oldServer, autoSync: false });
    open.push(client);
    client.subscribe((e) => events.push(e));
    const result = await client.sync({ verify: 'full' });
    expect(result.verify).toEqual({ status: 'incomparable', mismatches: [], repaired: [] });
    expect(events.filter((e) => e.type.startsWith('verify.'))).toEqual([{ type: 'verify.incomparable', serverFormat: 1, clientFormat: 2 }]);
    expect(result.pulled.requests).toBe(1); // no repair pulls
    expect(await client.collection('products').list()).toHaveLength(20);
  });
});
