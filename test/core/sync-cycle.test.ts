import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncEvent, SyncPlugin, SynclineClient } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createClient } from '../../src/index.js';
import { createFaultTransport } from '../../src/testing/fault-transport.js';
import { memoryClient, serverView, startServer, tempDir, type TestServer } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
const open: SynclineClient[] = [];

beforeEach(() => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await server.close();
  dir.remove();
});

async function client(extra: Parameters<typeof memoryClient>[1] = {}) {
  const c = await memoryClient(server.transport(), extra);
  open.push(c);
  return c;
}

describe('the cycle result and run history', () => {
  it('reports what the cycle did, per phase, and records it', async () => {
    const a = await client({ pushBatchSize: 2 });
    for (let i = 0; i < 5; i++) await a.collection('products').put(`p${i}`, { i });
    const result = await a.sync();
    expect(result).toMatchObject({
      outcome: 'completed',
      direction: 'both',
      pushed: { sent: 5, applied: 5, rejected: 0, requests: 3 },
      pulled: { changes: 5, pages: 1, requests: 1 },
      verify: { status: 'verified', mismatches: [], repaired: [] },
      plan: { pushBatchSize: 2 },
      requests: 4,
      cursor: 5,
    });
    expect(result.bytesUp).toBeGreaterThan(0);
    expect(result.bytesDown).toBeGreaterThan(0);
    expect(Object.keys(result.phases)).toEqual(['validate', 'prepare', 'execute', 'verify', 'cleanup']);
    const [latest] = await a.history();
    expect(latest).toMatchObject({ syncId: result.syncId, outcome: 'completed', pushed: { applied: 5 } });
  });

  it('records failed runs too, and keeps only historyLimit runs', async () => {
    const transport = createFaultTransport(server.transport(), { seed: 1 });
    const a = await createClient({ store: createMemoryStore(), transport, autoSync: false, historyLimit: 3 });
    open.push(a);
    await a.collection('products').put('p', { n: 1 });
    transport.setOffline(true);
    await expect(a.sync()).rejects.toMatchObject({ code: 'transport' });
    transport.setOffline(false);
    for (let i = 0; i < 3; i++) await a.sync();
    const history = await a.history(10);
    expect(history).toHaveLength(3);
    expect(history.every((r) => r.outcome === 'completed')).toBe(true);
    transport.setOffline(true);
    await expect(a.sync()).rejects.toThrow();
    expect((await a.history(1))[0]).toMatchObject({ outcome: 'failed', error: { code: 'transport' } });
  });
});

describe('validate: malformed outbox entries', () => {
  it('are quarantined, reported once, and do not block later mutations', async () => {
    const store = createMemoryStore();
    const a = await createClient({ store, transport: server.transport(), autoSync: false, closeStore: false });
    open.push(a);
    const events: SyncEvent[] = [];
    a.subscribe((e) => events.push(e));
    await a.collection('products').put('bad', { n: 1 });
    await a.collection('products').put('good', { n: 2 });
    // Damage the first entry behind the engine's back, as an incompatible version might have.
    await store.write((tx) => tx.put('outbox', '0000000000000001', { v: 99, garbage: true }));
    const result = await a.sync();
    expect(result.quarantined).toBe(1);
    expect(events.filter((e) => e.type === 'mutation.quarantined')).toHaveLength(1);
    expect(events.find((e) => e.type === 'mutation.rejected')).toMatchObject({ id: 1, code: 'skipped-by-client' });
    expect(await a.pendingCount()).toBe(0);
    expect(await serverView(server.transport(), 'products')).toEqual([{ key: 'good', value: { n: 2 } }]);
    expect(await store.read((tx) => tx.scan('quarantine'))).toEqual([
      ['0000000000000001', expect.objectContaining({ id: 1, raw: { v: 99, garbage: true } })],
    ]);
    expect((await a.sync()).quarantined).toBe(0);
    await store.close();
  });
});

describe('plugins', () => {
  it('run their hooks in order around the cycle', async () => {
    const calls: string[] = [];
    const plugin: SyncPlugin = {
      name: 'recorder',
      beforeSync: (ctx) => void calls.push(`beforeSync:${ctx.direction}`),
      beforePush: (batch) => void calls.push(`beforePush:${batch.length}`),
      // The client's own put comes back as an echo marker, not as a change.
      afterPull: (page) => void calls.push(`afterPull:${page.changes.length}+${page.echoes?.length ?? 0}`),
      afterSync: (result) => void calls.push(`afterSync:${result.outcome}`),
    };
    const a = await client({ plugins: [plugin] });
    await a.collection('products').put('p', { n: 1 });
    await a.sync();
    expect(calls).toEqual(['beforeSync:both', 'beforePush:1', 'afterPull:0+1', 'afterSync:completed']);
  });

  it('a failing plugin is named in the error and leaves state consistent', async () => {
    let fail = true;
    const a = await client({
      plugins: [{ name: 'flaky', afterPull: () => { if (fail) throw new Error('boom'); } }],
    });
    await a.collection('products').put('p', { n: 1 });
    await expect(a.sync()).rejects.toMatchObject({ name: 'PluginError', message: expect.stringContaining('Plugin "flaky" failed in afterPull: boom') });
    expect(await a.cursor()).toBe(0); // the page was not committed
    fail = false;
    const result = await a.sync();
    expect(result.verify.status).toBe('verified');
    expect(await a.collection('products').get('p')).toEqual({ n: 1 });
    expect(await a.pendingCount()).toBe(0);
  });
});

describe('validate: credentials', () => {
  it('does not send anything without usable credentials, and says so with auth.failed', async () => {
    const { createHttpTransport } = await import('../../src/transport/http-transport.js');
    let requests = 0;
    let token = '';
    const transport = createHttpTransport({
      url: 'http://syncline.test',
      token: () => token,
      fetch: (request) => {
        requests += 1;
        return server.server.fetch(request);
      },
    });
    const a = await createClient({ store: createMemoryStore(), transport, autoSync: false });
    open.push(a);
    const events: string[] = [];
    a.subscribe((e) => events.push(e.type));
    await a.collection('products').put('p', { n: 1 });
    await expect(a.sync()).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(requests).toBe(0);
    expect(events).toContain('auth.failed');
    expect((await a.history(1))[0]).toMatchObject({ outcome: 'failed', phases: {} });
    token = 't1';
    expect((await a.sync()).pushed.applied).toBe(1);
  });
});

describe('verify scheduling', () => {
  it('background cycles verify at most every interval; app-requested ones always do', async () => {
    const a = await createClient({ store: createMemoryStore(), transport: server.transport(), verify: { intervalMs: 60_000 }, pullIntervalMs: 0 });
    open.push(a);
    const statuses: string[] = [];
    a.on('sync.completed', (e) => statuses.push(`${e.result.trigger}:${e.result.verify.status}`));
    await new Promise<void>((resolve) => {
      const off = a.on('sync.completed', () => (off(), resolve()));
    });
    for (let i = 0; i < 3; i++) {
      await a.collection('products').put(`p${i}`, { i });
      await new Promise<void>((resolve) => {
        const off = a.on('sync.completed', () => (off(), resolve()));
      });
    }
    expect(statuses[0]).toBe('start:verified');
    expect(statuses.slice(1).every((s) => s.endsWith(':skipped'))).toBe(true);
    expect((await a.sync()).verify.status).toBe('verified');
  });
});
