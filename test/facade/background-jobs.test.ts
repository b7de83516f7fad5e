// Durable background jobs, in process on the virtual clock: a "restart" is a new client and service
// over the same store (the SIGKILL version with a real child process is in jobs-sigkill.test.ts).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackgroundSyncService, createClient, type SynclineClient } from '../../src/index.js';
import { JOB_TABLES } from '../../src/core/job-store.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import type { Store } from '../../src/stores/store.js';
import { createFaultTransport, type FaultTransport } from '../../src/testing/fault-transport.js';
import { startServer, tempDir, type TestServer } from '../helpers/harness.js';
import { VirtualClock } from '../network/virtual-clock.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let clock: VirtualClock;
let store: Store;
let transport: FaultTransport;
const open: Array<{ close(): Promise<void> }> = [];

beforeEach(() => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
  clock = new VirtualClock();
  store = createMemoryStore();
  transport = createFaultTransport(server.transport(), { seed: 1, timers: clock });
});

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  await store.close();
  await server.close();
  dir.remove();
});

/** One "app start": a client and a background service over the shared store. */
async function start(options: ConstructorParameters<typeof BackgroundSyncService>[1] = {}): Promise<{ client: SynclineClient; jobs: BackgroundSyncService; stop(): Promise<void> }> {
  const client = await createClient({ store, transport, timers: clock, autoSync: false, closeStore: false, watchdog: false });
  const jobs = new BackgroundSyncService(client, { timers: clock, ...options });
  const stop = async () => {
    await jobs.close();
    await client.close();
  };
  open.push({ close: stop });
  return { client, jobs, stop };
}

describe('BackgroundSyncService: durable jobs', () => {
  it('refuses to be built without a client, saying what to pass', () => {
    const build = () => new (BackgroundSyncService as unknown as new () => unknown)();
    expect(build).toThrow(expect.objectContaining({ name: 'NoClientError', message: expect.stringContaining('new BackgroundSyncService(client)') }));
  });

  it('a periodic job survives a restart, and one that fell due while the app was closed runs at the next start', async () => {
    const first = await start();
    await first.jobs.initialize();
    const id = await first.jobs.scheduleSync({ operation: 'delta' }, 'periodic', 'normal', { intervalMs: 60_000 });
    await first.client.collection('products').put('a', { n: 1 });
    await first.stop();

    await clock.advance(10 * 60_000); // closed for ten minutes: the job fell due nine periods ago
    const second = await start();
    const startedAt = clock.now();
    await clock.run(second.jobs.initialize());
    await clock.advance(0);
    const runs = await second.jobs.history();
    expect(runs).toMatchObject([{ jobId: id, trigger: 'periodic', outcome: 'completed', error: null, startedAt, attempt: 1 }]);
    expect(runs[0]?.bytesUp).toBeGreaterThan(0);
    expect(await second.client.pendingCount()).toBe(0);
    expect(second.jobs.jobs()).toMatchObject([{ id, runs: 1, attempts: 0, pending: false, nextDueAt: startedAt + 60_000 }]);

    // And it keeps its period from there.
    await clock.advance(60_000);
    expect((await second.jobs.history()).map((r) => r.startedAt)).toEqual([startedAt + 60_000, startedAt]);
  });

  it("records a failed run's error (code and message), retries with backoff, and records the recovery", async () => {
    const app = await start();
    const id = await app.jobs.scheduleSync({}, 'periodic', 'low', { intervalMs: 60_000 });
    await app.client.collection('products').put('a', { n: 1 });
    transport.setFaults({ serverError: 1 });
    await clock.advance(60_000);
    const [failed] = await app.jobs.history();
    expect(failed).toMatchObject({ jobId: id, outcome: 'failed', attempt: 1, syncId: '', error: { code: 'unavailable', message: expect.stringContaining('503') } });
    expect(app.jobs.jobs()[0]).toMatchObject({ attempts: 1, pending: true, lastRun: { outcome: 'failed', error: { code: 'unavailable' } }, nextDueAt: 61_000 });

    await clock.advance(1000); // retry 1 s later: fails again, next retry 2 s later
    expect(app.jobs.jobs()[0]).toMatchObject({ attempts: 2, nextDueAt: 63_000 });
    transport.setFaults({ serverError: 0 });
    await clock.advance(2000);
    expect((await app.jobs.history()).map((r) => [r.outcome, r.attempt])).toEqual([
      ['completed', 3],
      ['failed', 2],
      ['failed', 1],
    ]);
    expect(app.jobs.jobs()[0]).toMatchObject({ attempts: 0, pending: false, nextDueAt: 63_000 + 60_000 });
  });

  it('a data-change job whose debounce was running when the app stopped runs after the restart, when it was due', async () => {
    const first = await start({ debounceMs: 5000 });
    const id = await first.jobs.scheduleSync({}, 'data-change', 'normal');
    await first.client.collection('products').put('a', { n: 1 });
    await clock.advance(10); // the write's due time reaches the store
    await first.stop(); // stopped 4.99 s before the debounce ended
    const second = await start();
    await clock.run(second.jobs.initialize());
    expect(await second.jobs.history()).toEqual([]);
    await clock.advance(5000 - clock.now());
    expect(await second.jobs.history()).toMatchObject([{ jobId: id, trigger: 'data-change', outcome: 'completed', startedAt: 5000 }]);
    expect(await second.client.pendingCount()).toBe(0);
    expect(second.jobs.jobs()[0]).toMatchObject({ nextDueAt: undefined, pending: false });
  });

  it('a manual job stays pending across a restart until executePendingJobs() runs it', async () => {
    const first = await start();
    const id = await first.jobs.scheduleSync({ direction: 'push' }, 'manual');
    await first.stop();
    await clock.advance(5000);
    const second = await start();
    await second.jobs.initialize();
    await clock.advance(60_000);
    expect(await second.jobs.history()).toEqual([]); // manual jobs never run by themselves
    expect(second.jobs.jobs()).toMatchObject([{ id, pending: true }]);
    await clock.run(second.jobs.executePendingJobs());
    expect(await second.jobs.history()).toMatchObject([{ jobId: id, trigger: 'manual', outcome: 'completed' }]);
    expect(second.jobs.jobs()).toMatchObject([{ id, pending: false, runs: 1 }]);
  });

  it('two services on one database run a due job once (the run is claimed in a write transaction)', async () => {
    // Requests take 500 ms, so the other service's timer fires while the first run is in flight.
    transport = createFaultTransport(server.transport(), { seed: 2, timers: clock, latencyMs: { min: 500, max: 500 } });
    const a = await start();
    const id = await a.jobs.scheduleSync({}, 'periodic', 'low', { intervalMs: 1000 });
    const b = await start();
    await b.jobs.initialize();
    await clock.advance(1900);
    expect((await a.jobs.history()).filter((r) => r.jobId === id)).toMatchObject([{ startedAt: 1000, outcome: 'completed' }]);
  });

  it('a run that outlasts the claim keeps it (renewed), so another service does not run the job a second time', async () => {
    // Each request takes 3 s: one run lasts longer than three whole claims of 1 s.
    transport = createFaultTransport(server.transport(), { seed: 3, timers: clock, latencyMs: { min: 3000, max: 3000 } });
    const a = await start({ claimMs: 1000 });
    const id = await a.jobs.scheduleSync({}, 'periodic', 'low', { intervalMs: 1000 });
    const b = await start({ claimMs: 1000 });
    await b.jobs.initialize();
    await clock.advance(12_000);
    const started = (await a.jobs.history()).filter((r) => r.jobId === id).map((r) => r.startedAt).sort((x, y) => x - y);
    expect(started[0]).toBe(1000);
    // The next run starts only after the first one ended (>= 4 s later), never while it went on.
    expect(started[1]).toBeGreaterThanOrEqual(started[0]! + 3000);
  });

  it('cancelJob removes the job from the store (it does not come back after a restart); its history stays', async () => {
    const first = await start();
    const id = await first.jobs.scheduleSync({}, 'periodic', 'low', { intervalMs: 1000 });
    await clock.advance(1000);
    expect(await first.jobs.cancelJob(id)).toBe(true);
    expect(await first.jobs.cancelJob(id)).toBe(false);
    await first.stop();
    const second = await start();
    await second.jobs.initialize();
    expect(second.jobs.jobs()).toEqual([]);
    expect(await second.jobs.history()).toHaveLength(1);
  });

  it('a job cancelled in another service is forgotten when this one finds it gone, not retried in a loop', async () => {
    const a = await start();
    const id = await a.jobs.scheduleSync({}, 'periodic', 'low', { intervalMs: 1000 });
    const b = await start();
    await b.jobs.initialize();
    expect(await b.jobs.cancelJob(id)).toBe(true);
    await clock.advance(1000);
    expect(a.jobs.jobs()).toEqual([]);
    expect(await a.jobs.history()).toEqual([]);
  });

  it('stops when its client (and store) closed under it, instead of retrying against a closed store', async () => {
    const app = await start();
    await app.jobs.scheduleSync({}, 'periodic', 'low', { intervalMs: 1000 });
    await app.client.close();
    await store.close();
    await clock.advance(1000);
    expect(app.jobs.jobs()).toEqual([]); // closed itself
    expect(clock.pending).toBe(0);
  });

  it('history is bounded by count and by age, and filters by job', async () => {
    const app = await start({ history: { maxRuns: 5, maxAgeMs: 10_000 } });
    const fast = await app.jobs.scheduleSync({}, 'periodic', 'low', { intervalMs: 1000 });
    const slow = await app.jobs.scheduleSync({}, 'periodic', 'low', { intervalMs: 3000 });
    await clock.advance(9000);
    const all = await app.jobs.history({ limit: 100 });
    expect(all).toHaveLength(5); // 9 + 3 runs happened
    expect(all.map((r) => r.seq)).toEqual([12, 11, 10, 9, 8]);
    expect((await app.jobs.history({ jobId: slow })).every((r) => r.jobId === slow)).toBe(true);
    await app.jobs.cancelJob(fast);
    await app.jobs.cancelJob(slow);
    const once = await app.jobs.scheduleSync({}, 'manual');
    await clock.advance(20_000);
    await clock.run(app.jobs.executePendingJobs());
    // Everything but the new run is older than 10 s now.
    expect((await app.jobs.history()).map((r) => r.jobId)).toEqual([once]);
  });

  it('a stored job that does not validate is refused with a StoredDataError when read back', async () => {
    await store.write((tx) => tx.put(JOB_TABLES.jobs, 'job-bad', { v: 2, id: 'job-bad' }));
    const app = await start();
    await expect(app.jobs.initialize()).rejects.toMatchObject({ name: 'StoredDataError', message: expect.stringContaining('jobs/job-bad has format 2') });
  });
});
