// The seed document's usage examples, run against syncline with the client passed in (the
// argument-less form, through setDefaultClient, is in default-client.test.ts and examples/seed).
// The numbers come from real syncs, not from the facade.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackgroundSyncService, ProgressiveSyncEngine, type NetworkStatus, type SynclineClient } from '../../src/index.js';
import { memoryClient, serverView, startServer, tempDir, type TestServer } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let client: SynclineClient;

beforeEach(async () => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
  client = await memoryClient(server.transport());
});
afterEach(async () => {
  await client.close();
  await server.close();
  dir.remove();
});

describe('ProgressiveSyncEngine (seed: "Basic Sync Operations")', () => {
  it('executeSync runs a real delta sync and reports it', async () => {
    const syncEngine = new ProgressiveSyncEngine(client);
    await syncEngine.initialize();
    const events: string[] = [];
    syncEngine.on('sync.started', (e) => events.push(`${e.type}:${e.trigger}`));
    syncEngine.on('sync.progress', (e) => events.push(`${e.type}:${e.phase}`));
    syncEngine.on('sync.completed', (e) => events.push(`${e.type}:${e.result.outcome}`));
    await client.collection('products').put('p1', { name: 'Espresso' });

    const result = await syncEngine.executeSync({ operation: 'delta', direction: 'bidirectional', strategy: 'batched', priority: 'high' });

    expect(result).toMatchObject({ success: true, operation: 'delta', pushed: { applied: 1 }, pulled: { changes: 1 }, verify: { status: 'verified' } });
    expect(events).toEqual(['sync.started:manual', 'sync.progress:push', 'sync.progress:pull', 'sync.completed:completed']);
    expect(await serverView(server.transport(), 'products')).toHaveLength(1);
  });

  it("a 'full' sync re-downloads the scope; a delta sync only what changed", async () => {
    const other = await memoryClient(server.transport());
    for (let i = 0; i < 10; i++) await other.collection('products').put(`p${i}`, { i });
    await other.sync();
    const engine = new ProgressiveSyncEngine(client);
    expect((await engine.executeSync({ operation: 'delta' })).pulled.changes).toBe(10);
    await other.collection('products').put('p0', { i: 100 });
    await other.sync();
    await other.close();
    expect((await engine.executeSync({ operation: 'delta' })).pulled.changes).toBe(1);
    expect((await engine.executeSync({ operation: 'full' })).pulled.changes).toBe(10);
  });

  it('calculateDeltas counts pending local work and asks the server for news', async () => {
    const engine = new ProgressiveSyncEngine(client);
    await client.collection('products').put('a', { n: 1 });
    await client.collection('products').patch('a', { n: 2 });
    expect(await engine.calculateDeltas()).toEqual({ local: { total: 2, byName: { put: 1, patch: 1 } }, remoteChanges: false, cursor: 0 });
    expect((await engine.calculateDeltas(new Date(Date.now() + 60_000))).local.total).toBe(0);
  });

  it('cancelSync stops a running sync by the syncId of its events', async () => {
    const engine = new ProgressiveSyncEngine(client);
    for (let i = 0; i < 20; i++) await client.collection('products').put(`p${i}`, { i });
    let cancelled: Promise<boolean> | undefined;
    const off = engine.on('sync.started', (e) => {
      off();
      cancelled = engine.cancelSync(e.syncId);
    });
    await expect(engine.executeSync()).rejects.toMatchObject({ name: 'AbortedError' });
    expect(await cancelled).toBe(true);
    expect(await engine.cancelSync('no-such-sync')).toBe(false);
    expect((await engine.executeSync()).pushed.applied).toBe(20);
  });
});

describe('BackgroundSyncService (seed: "Background Sync")', () => {
  it('runs periodic, data-change and connectivity jobs through real syncs', async () => {
    const listeners = new Set<(online: boolean) => void>();
    let online = true;
    const network: NetworkStatus = { isOnline: () => online, subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) };
    const backgroundSync = new BackgroundSyncService(client, { intervalMs: 40, debounceMs: 10, network });
    await backgroundSync.initialize();

    const periodic = await backgroundSync.scheduleSync({ operation: 'delta', priority: 'low' }, 'periodic');
    const onWrite = await backgroundSync.scheduleSync({ operation: 'delta' }, 'data-change', 'normal');
    const onReconnect = await backgroundSync.scheduleSync({ operation: 'delta' }, 'connectivity');

    await client.collection('products').put('p', { n: 1 });
    await waitFor(async () => (await serverView(server.transport(), 'products')).length === 1);
    await waitFor(async () => (backgroundSync.jobs().find((j) => j.id === periodic)?.runs ?? 0) >= 2);
    expect(backgroundSync.jobs().find((j) => j.id === onWrite)?.lastRun?.outcome).toBe('completed');

    online = false;
    listeners.forEach((l) => l(false));
    online = true;
    listeners.forEach((l) => l(true));
    await waitFor(async () => (backgroundSync.jobs().find((j) => j.id === onReconnect)?.runs ?? 0) === 1);
    await backgroundSync.close();
    expect(backgroundSync.jobs()).toEqual([]);
    expect(backgroundSync.isBackgroundSyncAvailable()).toBe(false); // Node has no Service Worker API
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
