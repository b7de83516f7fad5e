import fc from 'fast-check';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, createSyncQueue, type SyncQueue, type SynclineClient } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createFaultTransport } from '../../src/testing/fault-transport.js';
import { serverView, startServer, tempDir, type TestServer } from '../helpers/harness.js';

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

/** A client whose requests take a while (latency), sharing `queue`; records when its cycles run. */
async function slowClient(queue: SyncQueue, name: string, log: string[]) {
  const transport = createFaultTransport(server.transport(), { seed: 1, latencyMs: { min: 15, max: 15 } });
  const c = await createClient({ store: createMemoryStore(), transport, autoSync: false, queue });
  c.on('sync.started', () => log.push(`start:${name}`));
  c.on('sync.completed', () => log.push(`end:${name}`));
  open.push(c);
  return c;
}

describe('the sync request queue', () => {
  it('runs a high-priority request queued behind low ones first', async () => {
    const queue = createSyncQueue({ concurrency: 1 });
    const log: string[] = [];
    const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map((n) => slowClient(queue, n, log)));
    const first = a!.sync();
    await new Promise((r) => setTimeout(r, 5)); // a is running now
    const lows = [b!.sync({ priority: 'low' }), c!.sync({ priority: 'low' })];
    const high = d!.sync({ priority: 'high' });
    await Promise.all([first, ...lows, high]);
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start:a', 'start:d', 'start:b', 'start:c']);
  });

  it('never runs more than `concurrency` cycles at once', async () => {
    const queue = createSyncQueue({ concurrency: 2 });
    const log: string[] = [];
    const clients = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => slowClient(queue, n, log)));
    await Promise.all(clients.map((c) => c.sync()));
    let running = 0;
    let peak = 0;
    for (const entry of log) {
      running += entry.startsWith('start') ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(2);
    expect(log.filter((l) => l.startsWith('end'))).toHaveLength(5);
  });

  it('merges identical queued requests and can cancel a queued one', async () => {
    const queue = createSyncQueue({ concurrency: 1 });
    const log: string[] = [];
    const [a, b] = await Promise.all(['a', 'b'].map((n) => slowClient(queue, n, log)));
    const running = a!.sync();
    await new Promise((r) => setTimeout(r, 5));
    const one = b!.sync({ priority: 'low' });
    const two = b!.sync({ priority: 'high' });
    expect(two).toBe(one);
    expect(one.priority).toBe('high');
    const other = b!.sync({ direction: 'pull' });
    expect(other).not.toBe(one);
    expect(other.cancel()).toBe(true);
    await expect(other).rejects.toMatchObject({ name: 'AbortedError' });
    expect(other.state).toBe('cancelled');
    await Promise.all([running, one]);
    expect(log.filter((l) => l === 'start:b')).toHaveLength(1);
  });
});

describe('cancel', () => {
  it('at random points never leaves a state the next cycle cannot finish (property)', async () => {
    let run = 0;
    let cancelled = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(25), fc.nat(40), fc.nat(12), async (pending, existing, cancelAfter) => {
        run += 1;
        const seeder = await createClient({ store: createMemoryStore(), transport: server.transport(), autoSync: false });
        const mine = (rows: Array<{ key: string }>) => rows.filter((r) => r.key.startsWith(`r${run}-`));
        for (let i = 0; i < existing; i++) await seeder.collection('products').put(`r${run}-s${i}`, { i });
        await seeder.sync();
        await seeder.close();

        const c = await createClient({ store: createMemoryStore(), transport: server.transport(), autoSync: false, pushBatchSize: 3, pullPageSize: 4 });
        for (let i = 0; i < pending; i++) await c.collection('products').put(`r${run}-m${i}`, { i });
        const handle = c.sync();
        let seen = 0;
        const off = c.subscribe((e) => {
          if ((e.type === 'sync.progress' || e.type === 'sync.phase') && ++seen === cancelAfter) handle.cancel();
        });
        const first = await handle.result.then(
          (r) => r.outcome,
          (e: { name?: string }) => e.name,
        );
        off();
        if (first === 'AbortedError') cancelled += 1;
        expect(['completed', 'AbortedError']).toContain(first);
        const after = await c.sync();
        expect(after.outcome).toBe('completed');
        expect(after.verify.status).toBe('verified');
        expect(await c.pendingCount()).toBe(0);
        const onServer = await serverView(server.transport(), 'products');
        expect(await c.collection('products').list()).toEqual(onServer);
        expect(mine(onServer)).toHaveLength(existing + pending);
        const history = await c.history(2);
        expect(history[1]?.outcome).toBe(first === 'completed' ? 'completed' : 'cancelled');
        await c.close();
      }),
      { seed: 42, numRuns: 60 },
    );
    expect(cancelled).toBeGreaterThan(20); // the property really exercised cancellation
  }, 120_000);
});
