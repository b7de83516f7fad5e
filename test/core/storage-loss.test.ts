// Storage loss in Node: a wiped SQLite store reappears as a new client under the same installId and
// reports `storage.lost` with the server's numbers, once; refused persistence plus an old unsynced
// write gives `storage.at-risk` (a fake clock through the Timers seam); `metrics().storage`.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createClient, systemTimers, InvalidArgumentError, watchStorage, type SyncEventOf, type SynclineClient, type StoragePersistence, type Timers } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { sqliteClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

const INSTALL = 'till-7-install-0001';

function nextEvent<K extends 'storage.lost' | 'storage.at-risk'>(client: SynclineClient, type: K): Promise<SyncEventOf<K>> {
  return new Promise((resolve) => {
    const stop = client.on(type, (event) => (stop(), resolve(event)));
  });
}

describe('storage.lost (wiped store, Node)', () => {
  const dir = tempDir('syncline-storage-lost-');
  afterAll(() => dir.remove());
  let server: TestServer;
  afterEach(async () => {
    await server?.close();
  });

  it('reports the lost client with what the server had accepted, once, and carries on as the new client', async () => {
    server = startServer({ sqlitePath: join(dir.path, 'server.db') });
    const path = join(dir.path, 'till.db');
    const first = await sqliteClient(path, server.transport(), { storage: watchStorage({ installId: INSTALL, persistence: false }) });
    const oldId = first.clientId;
    const events: string[] = [];
    first.subscribe((e) => void (e.type.startsWith('storage.') && events.push(e.type)));
    for (let i = 1; i <= 3; i++) await first.collection('products').put(`p${i}`, { n: i });
    await first.sync();
    await first.close();
    expect(events).toEqual([]);

    // The store is wiped (a reinstall, cleared data); the app still has its installId.
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    const second = await sqliteClient(path, server.transport(), { storage: watchStorage({ installId: INSTALL, persistence: false }) });
    expect(second.clientId).not.toBe(oldId);
    const lost = nextEvent(second, 'storage.lost');
    const seen: string[] = [];
    second.subscribe((e) => void (e.type === 'storage.lost' && seen.push(e.type)));
    await second.sync();
    const event = await lost;
    expect(event).toEqual({ type: 'storage.lost', installId: INSTALL, clientId: second.clientId, previous: { clientId: oldId, lastMutationId: 3, lastSeenAt: expect.any(Number) } });
    // It still works as the new client, and the next cycles (same answer from the server) stay quiet.
    await second.collection('products').put('p4', { n: 4 });
    await second.sync();
    await second.sync();
    expect(await second.collection('products').get('p1')).toMatchObject({ n: 1 });
    await second.close();
    expect(seen).toEqual(['storage.lost']);

    // Not on the next start either: the store records that it was reported.
    const third = await sqliteClient(path, server.transport(), { storage: watchStorage({ installId: INSTALL, persistence: false }) });
    const again: string[] = [];
    third.subscribe((e) => void (e.type === 'storage.lost' && again.push(e.type)));
    await third.sync();
    await third.collection('products').put('p5', { n: 5 }); // a write queued behind anything the guard does
    await third.close();
    expect(again).toEqual([]);
  });

  it('says nothing without an installId, and refuses a malformed one', async () => {
    server = startServer({ sqlitePath: join(dir.path, 'server-2.db') });
    const events: string[] = [];
    const a = await createClient({ store: createMemoryStore(), transport: server.transport(), autoSync: false });
    await a.collection('products').put('x', { n: 1 });
    await a.sync();
    await a.close();
    const b = await createClient({ store: createMemoryStore(), transport: server.transport(), autoSync: false });
    b.subscribe((e) => void (e.type.startsWith('storage.') && events.push(e.type)));
    await b.sync();
    await b.close();
    expect(events).toEqual([]);
    for (const bad of ['short', 'with space!', 'x'.repeat(129)]) {
      expect(() => watchStorage({ installId: bad })).toThrow(InvalidArgumentError);
      await expect(async () => createClient({ store: createMemoryStore(), transport: server.transport(), autoSync: false, storage: watchStorage({ installId: bad }) })).rejects.toThrow(InvalidArgumentError);
    }
  });
});

describe('persistent storage and storage.at-risk', () => {
  const offline = createHttpTransport({ url: 'http://offline.test', token: 't', fetch: () => Promise.reject(new TypeError('fetch failed: offline')) });
  const persistence = (answer: boolean | undefined, asked: string[] = []): StoragePersistence => ({
    persisted: () => (asked.push('persisted'), Promise.resolve(answer === true ? true : answer === undefined ? undefined : false)),
    persist: () => (asked.push('persist'), Promise.resolve(answer)),
  });
  let clock = 1_800_000_000_000;
  const timers: Timers = { ...systemTimers, now: () => clock };
  const open = (p: StoragePersistence | false | undefined, extra: { atRiskAfterMs?: number } = {}) =>
    createClient({ store: createMemoryStore(), transport: offline, autoSync: false, watchdog: false, timers, storage: watchStorage({ ...(p === undefined ? {} : { persistence: p }), ...extra }) });
  const failedSync = async (client: SynclineClient): Promise<SyncEventOf<'metrics.updated'>> => {
    const updated = new Promise<SyncEventOf<'metrics.updated'>>((resolve) => {
      const stop = client.on('metrics.updated', (e) => (stop(), resolve(e)));
    });
    await expect(client.sync().result).rejects.toThrow();
    return updated;
  };

  it('reports the platform answer in metrics(): unknown in Node, granted, refused', async () => {
    const plain = await createClient({ store: createMemoryStore(), transport: offline, autoSync: false, watchdog: false });
    expect((await plain.metrics()).storage).toBeUndefined(); // no storage watch, nothing asked
    await plain.close();
    const node = await open(undefined);
    expect((await node.metrics()).storage).toEqual({ persisted: 'unknown' });
    await node.close();
    const asked: string[] = [];
    const granted = await open(persistence(true, asked));
    await expect.poll(async () => (await granted.metrics()).storage).toEqual({ persisted: true });
    expect(asked).toEqual(['persisted']); // already persistent: no request (it may prompt)
    await granted.close();
    const refusedAsked: string[] = [];
    const refused = await open(persistence(false, refusedAsked));
    await expect.poll(async () => (await refused.metrics()).storage).toEqual({ persisted: false });
    expect(refusedAsked).toEqual(['persisted', 'persist']);
    await refused.close();
  });

  it('emits storage.at-risk once when persistence was refused and a write waited past the threshold', async () => {
    const client = await open(persistence(false), { atRiskAfterMs: 60 * 60_000 });
    await expect.poll(async () => (await client.metrics()).storage?.persisted).toBe(false);
    const risks: unknown[] = [];
    client.on('storage.at-risk', (e) => risks.push(e));
    await client.collection('products').put('a', { n: 1 });
    clock += 59 * 60_000;
    await failedSync(client);
    expect(risks).toEqual([]);
    clock += 2 * 60_000;
    await failedSync(client);
    expect(risks).toEqual([{ type: 'storage.at-risk', pending: 1, oldestPendingAgeMs: 61 * 60_000, thresholdMs: 60 * 60_000 }]);
    clock += 60_000;
    await failedSync(client);
    expect(risks).toHaveLength(1);
    await client.close();
  });

  it('stays quiet when persistence was granted or unknown, however old the write', async () => {
    for (const p of [persistence(true), persistence(undefined)]) {
      const client = await open(p);
      const risks: unknown[] = [];
      client.on('storage.at-risk', (e) => risks.push(e));
      await client.collection('products').put('a', { n: 1 });
      clock += 48 * 60 * 60_000;
      await failedSync(client);
      expect(risks).toEqual([]);
      await client.close();
    }
  });
});
