// Drain analytics and the watchdog, on the virtual clock (the Timers seam) against a real in-process
// server: oldest pending age, drain rate and estimate, last success, per-trigger counts, and a queue
// stuck in a long backoff that the watchdog re-drives (and a healthy one it leaves alone).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type ClientOptions, type SyncEvent, type SynclineClient } from '../../src/index.js';
import { createSyncServer, MutationRejection, tokenAuth } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { createFaultTransport, type FaultTransport } from '../../src/testing/fault-transport.js';
import { startServer, tempDir, type TestServer } from '../helpers/harness.js';
import { VirtualClock } from '../network/virtual-clock.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let clock: VirtualClock;
const clients: SynclineClient[] = [];

beforeEach(() => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
  clock = new VirtualClock();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.close();
  dir.remove();
});

async function client(transport: FaultTransport, extra: Partial<ClientOptions>): Promise<{ client: SynclineClient; events: Array<SyncEvent & { at: number }> }> {
  const c = await createClient({ store: createMemoryStore(), transport, timers: clock, random: () => 0.99, ...extra });
  clients.push(c);
  const events: Array<SyncEvent & { at: number }> = [];
  c.subscribe((e) => events.push({ ...e, at: clock.now() }));
  return { client: c, events };
}

describe('client.metrics()', () => {
  it('reports outbox size, oldest pending age, drain rate and estimate, last success and per-trigger counts', async () => {
    // 100 ms per request on the virtual clock, so cycle durations (and the rate) are exact.
    const transport = createFaultTransport(server.transport(), { seed: 1, timers: clock, latencyMs: { min: 100, max: 100 } });
    const { client: c, events } = await client(transport, { autoSync: false, watchdog: false });
    const products = c.collection('products');

    const empty = await c.metrics();
    expect(empty).toMatchObject({ outboxSize: 0, pending: 0, oldestPendingAgeMs: undefined, estimatedDrainMs: 0, lastSuccessAgeMs: undefined, drainRatePerSecond: undefined, stalled: false });

    await products.put('a', { n: 1 });
    await clock.advance(5000);
    await products.put('b', { n: 2 });
    await clock.advance(1500);
    const waiting = await c.metrics();
    expect(waiting).toMatchObject({ outboxSize: 2, pending: 2, oldestPendingAgeMs: 6500, drainRatePerSecond: undefined, estimatedDrainMs: undefined });

    await clock.run(c.sync().result);
    const start = clock.now();
    const after = await c.metrics();
    expect(after).toMatchObject({ pending: 0, oldestPendingAgeMs: undefined, estimatedDrainMs: 0, lastSuccessAgeMs: 0, lastSuccessAt: start });
    expect(after.cyclesByTrigger).toEqual({ manual: { completed: 1, failed: 0, cancelled: 0 } });
    // One push and one pull request of 100 ms each, verify off the path: 2 mutations in 200 ms = 10/s.
    const run = (await c.history(1))[0];
    expect(after.drainRatePerSecond).toBeCloseTo((2 * 1000) / (run?.durationMs ?? NaN), 6);
    expect(after.bytesPerCycle.last).toEqual({ up: run?.bytesUp, down: run?.bytesDown });
    expect(events.filter((e) => e.type === 'metrics.updated')).toHaveLength(1);

    for (let i = 0; i < 30; i++) await products.put(`p${i}`, { i });
    await clock.advance(2000);
    const backlog = await c.metrics();
    expect(backlog).toMatchObject({ pending: 30, oldestPendingAgeMs: 2000, lastSuccessAgeMs: 2000 });
    expect(backlog.estimatedDrainMs).toBe(Math.ceil((30 / (after.drainRatePerSecond ?? NaN)) * 1000));

    // A failed cycle counts under its trigger and does not move the last success.
    transport.setFaults({ serverError: 1 });
    await expect(clock.run(c.sync().result)).rejects.toMatchObject({ code: 'unavailable' });
    const failed = await c.metrics();
    expect(failed.cyclesByTrigger['manual']).toEqual({ completed: 1, failed: 1, cancelled: 0 });
    expect(failed.lastSuccessAt).toBe(start);
  });

  it('counts rejections and server dead letters', async () => {
    const strict = createSyncServer({
      database: { sqlite: join(dir.path, 'server-2.db') },
      auth: tokenAuth({ t1: 'scope-1' }),
      collections: {},
      mutations: {
        'test.refuse': () => {
          throw new MutationRejection('not-allowed', 'refused on purpose');
        },
        'test.crash': () => {
          throw new Error('handler bug');
        },
      },
      push: { maxHandlerAttempts: 1 },
    });
    const http = createHttpTransport({ url: 'http://syncline.test', token: 't1', fetch: (request) => strict.fetch(request) });
    const transport = createFaultTransport(http, { seed: 2, timers: clock });
    const { client: c } = await client(transport, { autoSync: false, watchdog: false });
    await c.mutate('test.refuse', { x: 1 });
    await c.mutate('test.crash', { x: 2 });
    await c.mutate('test.refuse', { x: 3 });
    for (let i = 0; i < 3 && (await c.pendingCount()) > 0; i++) await clock.run(c.sync().result).catch(() => undefined);
    expect(await c.metrics()).toMatchObject({ pending: 0, rejected: 3, deadLettered: 1 });
    await strict.close();
  });
});

describe('watchdog', () => {
  // A retryable failure makes the loop back off ~59 s (jitter 0.99 of 60 s); the watchdog's limit is 10 s.
  const stuck = { retry: { baseDelayMs: 60_000, maxDelayMs: 600_000 }, pullIntervalMs: 0, watchdog: { stalledAfterMs: 10_000 } };

  it('re-drives a queue with pending work and no successful cycle for stalledAfterMs, and emits sync.stalled once', async () => {
    const transport = createFaultTransport(server.transport(), { seed: 3, timers: clock, serverError: 1 });
    const { client: c, events } = await client(transport, stuck);
    await c.collection('products').put('a', { n: 1 });
    await clock.advance(1000);
    expect(await c.pendingCount()).toBe(1); // the first cycles failed; the loop now waits ~59 s
    transport.setFaults({ serverError: 0 }); // the server is back, but nothing would try before t≈59 s

    await clock.advance(8999 - clock.now());
    expect(events.filter((e) => e.type === 'sync.stalled')).toEqual([]);
    expect((await c.metrics()).stalled).toBe(false);
    await clock.advance(1001); // t = 10 000: the write is stalledAfterMs old and nothing succeeded
    const stalls = events.filter((e) => e.type === 'sync.stalled');
    expect(stalls).toEqual([{ type: 'sync.stalled', at: 10_000, pending: 1, oldestPendingAgeMs: 10_000, lastSuccessAgeMs: undefined, stalledForMs: 10_000, redriven: true }]);
    await clock.advance(1);
    expect(await c.pendingCount()).toBe(0);
    const metrics = await c.metrics();
    expect(metrics.cyclesByTrigger['watchdog']).toEqual({ completed: 1, failed: 0, cancelled: 0 });

    await clock.advance(100_000);
    expect(events.filter((e) => e.type === 'sync.stalled')).toHaveLength(1);
    expect((await c.metrics()).stalled).toBe(false);
  });

  it('without the watchdog the same queue is still stuck at t = 10 s (the watchdog is what re-drove it)', async () => {
    const transport = createFaultTransport(server.transport(), { seed: 3, timers: clock, serverError: 1 });
    const { client: c, events } = await client(transport, { ...stuck, watchdog: false });
    await c.collection('products').put('a', { n: 1 });
    await clock.advance(1000);
    transport.setFaults({ serverError: 0 });
    await clock.advance(10_000);
    expect(await c.pendingCount()).toBe(1);
    expect(events.some((e) => e.type === 'sync.stalled')).toBe(false);
  });

  it('keeps reporting a queue that stays stuck, once per stalledAfterMs, and never reports a healthy one', async () => {
    const broken = createFaultTransport(server.transport(), { seed: 4, timers: clock, serverError: 1 });
    const { events: stuckEvents } = await client(broken, stuck);
    const healthy = createFaultTransport(server.transport(), { seed: 5, timers: clock, latencyMs: { min: 50, max: 50 } });
    const { client: ok, events: okEvents } = await client(healthy, stuck);
    const [first] = clients;
    await first?.collection('products').put('x', { n: 1 });
    for (let i = 0; i < 20; i++) {
      await ok.collection('products').put(`h${i}`, { i });
      await clock.advance(3000);
    }
    // 60 s of a queue that never drains: stalls at 10, 20, … 60 s, each one re-driving it.
    expect(stuckEvents.filter((e) => e.type === 'sync.stalled').map((e) => e.at)).toEqual([10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
    expect(okEvents.filter((e) => e.type === 'sync.stalled')).toEqual([]);
    expect(await ok.pendingCount()).toBe(0);
  });

  it('counts quiet time from the last success when that is later than the oldest pending write', async () => {
    // The leader's cycle takes 10 s (a slow pull); the follower writes 1 s into it, too late for its push.
    const store = createMemoryStore();
    const slow = createFaultTransport(server.transport(), { seed: 7, timers: clock, latencyMs: { min: 10_000, max: 10_000 } });
    const leader = await createClient({ store, transport: slow, timers: clock, autoSync: false, closeStore: false, watchdog: false, verify: false });
    const follower = await createClient({ store, transport: slow, timers: clock, autoSync: false, closeStore: false, watchdog: { stalledAfterMs: 10_000 } });
    clients.push(leader, follower);
    const stalls: number[] = [];
    follower.on('sync.stalled', () => stalls.push(clock.now()));
    const cycle = leader.sync({ direction: 'pull' }).result;
    await clock.advance(1000);
    await follower.collection('products').put('late', { n: 1 });
    await clock.run(cycle);
    const { lastSuccessAt, oldestPendingAgeMs } = await follower.metrics();
    expect(lastSuccessAt).toBeGreaterThanOrEqual(10_000);
    expect(oldestPendingAgeMs).toBe(clock.now() - 1000);
    await clock.advance(30_000);
    expect(stalls[0]).toBe((lastSuccessAt ?? NaN) + 10_000);
  });

  it('a follower that sees the leader succeed (run totals in the shared store) reports no stall', async () => {
    const store = createMemoryStore();
    const transport = createFaultTransport(server.transport(), { seed: 6, timers: clock });
    const leader = await createClient({ store, transport, timers: clock, autoSync: false, closeStore: false, watchdog: false });
    const follower = await createClient({ store, transport, timers: clock, autoSync: false, closeStore: false, watchdog: { stalledAfterMs: 10_000 } });
    clients.push(leader, follower);
    const stalls: number[] = [];
    follower.on('sync.stalled', () => stalls.push(clock.now()));
    for (let i = 0; i < 10; i++) {
      await follower.collection('products').put(`f${i}`, { i });
      await clock.advance(4000);
      await clock.run(leader.sync().result);
    }
    expect(stalls).toEqual([]);
    // The leader stops: the follower's pending write is reported stalledAfterMs after it was made.
    await follower.collection('products').put('last', { n: 1 });
    const madeAt = clock.now();
    await clock.advance(20_000);
    expect(stalls).toEqual([madeAt + 10_000, madeAt + 20_000]);
  });
});
