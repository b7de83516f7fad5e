// The seed's constructors without arguments: facades find their client through the explicit
// default-client registry, an injected client wins, closing the default unregisters it, and with no
// client at all the error says what to pass (instead of a TypeError deep inside).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BackgroundSyncService,
  getDefaultClient,
  NoClientError,
  ProgressiveSyncEngine,
  setDefaultClient,
  type SynclineClient,
} from '../../src/index.js';
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
  setDefaultClient(undefined);
  await client.close();
  await server.close();
  dir.remove();
});

describe('without a client', () => {
  it('the engine fails with a NoClientError that says what to pass', async () => {
    const engine = new ProgressiveSyncEngine();
    const error = await engine.executeSync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoClientError);
    expect(error).toMatchObject({ name: 'NoClientError', code: 'invalid-argument' });
    expect((error as Error).message).toMatch(/new ProgressiveSyncEngine\(client\).*setDefaultClient/);
    await expect(engine.initialize()).rejects.toBeInstanceOf(NoClientError);
    await expect(engine.calculateDeltas()).rejects.toBeInstanceOf(NoClientError);
  });

  it('the background service refuses to be built, so no job id is handed out for a job that can only fail', () => {
    expect(() => new BackgroundSyncService()).toThrow(NoClientError);
    expect(() => new BackgroundSyncService()).toThrow(/BackgroundSyncService/);
  });
});

describe('with a default client', () => {
  it('an engine built before registration uses the client registered later, and really syncs', async () => {
    const engine = new ProgressiveSyncEngine();
    setDefaultClient(client);
    await client.collection('products').put('p1', { name: 'Espresso' });
    const result = await engine.executeSync({ operation: 'delta', direction: 'bidirectional', strategy: 'batched', priority: 'high' });
    expect(result).toMatchObject({ success: true, pushed: { applied: 1 } });
    expect(await serverView(server.transport(), 'products')).toHaveLength(1);
  });

  it('a client passed in wins over the default', async () => {
    const other = await memoryClient(server.transport());
    try {
      setDefaultClient(client);
      await other.collection('products').put('mine', { n: 1 });
      await client.collection('products').put('default', { n: 1 });
      await new ProgressiveSyncEngine(other).executeSync();
      expect(await other.pendingCount()).toBe(0);
      expect(await client.pendingCount()).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('closing the default client unregisters it; closing another client does not', async () => {
    const other = await memoryClient(server.transport());
    setDefaultClient(client);
    await other.close();
    expect(getDefaultClient()).toBe(client);
    await client.close();
    expect(getDefaultClient()).toBeUndefined();
    await expect(new ProgressiveSyncEngine().executeSync()).rejects.toBeInstanceOf(NoClientError);
  });

  it('new BackgroundSyncService() schedules and runs real jobs on the default client', async () => {
    setDefaultClient(client);
    const backgroundSync = new BackgroundSyncService();
    await backgroundSync.initialize();
    const jobId = await backgroundSync.scheduleSync({ operation: 'delta', priority: 'low' }, 'manual');
    await client.collection('products').put('p', { n: 1 });
    await backgroundSync.executePendingJobs();
    expect(backgroundSync.jobs().find((j) => j.id === jobId)?.lastRun?.outcome).toBe('completed');
    expect(await serverView(server.transport(), 'products')).toHaveLength(1);
    backgroundSync.close();
  });
});

describe('options are checked where they enter', () => {
  it('executeSync refuses unknown keys and values, naming what is accepted', async () => {
    const engine = new ProgressiveSyncEngine(client);
    await expect(engine.executeSync({ priorty: 'high' } as never)).rejects.toThrow(/Unknown sync option "priorty".*operation, direction/);
    await expect(engine.executeSync({ direction: 'bidirectonal' } as never)).rejects.toThrow(/direction must be one of/);
    await expect(engine.executeSync({ collections: 'products' } as never)).rejects.toThrow(/array of collection names/);
    expect(await client.history(5)).toEqual([]); // nothing ran
  });

  it('scheduleSync refuses a bad job at once instead of handing out an id for a job that can only fail', async () => {
    const backgroundSync = new BackgroundSyncService(client);
    await expect(backgroundSync.scheduleSync({ operaton: 'delta' } as never, 'periodic')).rejects.toThrow(/Unknown sync option "operaton"/);
    await expect(backgroundSync.scheduleSync({}, 'hourly' as never)).rejects.toThrow(/Unknown trigger/);
    await expect(backgroundSync.scheduleSync({}, 'manual', 'urgent' as never)).rejects.toThrow(/priority/);
    expect(backgroundSync.jobs()).toEqual([]);
    backgroundSync.close();
  });
});
